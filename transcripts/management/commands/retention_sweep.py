"""`manage.py retention_sweep [--dry-run]`: delete expired audio and transcripts now.

The worker runs the same sweep once a day; this runs it at once, or with --dry-run only
lists what it would delete.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from transcripts.retention.selectors import expired_audio, expired_transcripts
from transcripts.retention.services import retention_sweep


class Command(BaseCommand):
    """Apply the retention policy now."""

    help = "Delete the audio and transcripts whose retention has expired (see docs/retention.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["dry_run"]:
            audio = list(expired_audio(now=now).values_list("pk", "title"))
            whole = list(expired_transcripts(now=now).values_list("pk", "title"))
            self._report("Would delete the audio of", [(pk, title, "") for pk, title in audio])
            self._report("Would delete", [(pk, title, "") for pk, title in whole])
            return
        result = retention_sweep(now=now)
        self._report("Deleted the audio of", result.audio)
        self._report("Deleted", result.transcripts)

    def _report(self, verb: str, rows: list[tuple[int, str, str]]) -> None:
        """One line per recording; a line saying none when there are none."""
        what = "recording" if verb.endswith("of") else "recording with its transcript"
        self.stdout.write(f"{verb} {len(rows)} {what}{'' if len(rows) == 1 else 's'}.")
        for pk, title, why in rows:
            self.stdout.write(f"  #{pk} {title}" + (f": {why}" if why else ""))

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
            audio = expired_audio(now=now).values_list("pk", "title")
            whole = expired_transcripts(now=now).values_list("pk", "title")
            self._report("Audio to delete", [(pk, title, "") for pk, title in audio])
            self._report("Recordings to delete whole", [(pk, title, "") for pk, title in whole])
            return
        result = retention_sweep(now=now)
        self._report("Audio deleted", result.audio)
        self._report("Recordings deleted whole", result.transcripts)

    def _report(self, heading: str, rows: list[tuple[int, str, str]]) -> None:
        """How many, then one line per recording with why."""
        self.stdout.write(f"{heading}: {len(rows)}")
        for pk, title, why in rows:
            self.stdout.write(f"  #{pk} {title}" + (f" ({why})" if why else ""))

"""Files imported from a link: the link a recording's file was fetched from."""

from __future__ import annotations

from django.db import migrations, models

from transcripts import search_schema


class Migration(migrations.Migration):
    dependencies = [
        ("transcripts", "0008_deepgram_callbacks"),
    ]

    operations = [
        # AddField may rebuild transcripts_recording on SQLite: the search triggers step aside.
        search_schema.suspend_triggers(2),
        migrations.AddField(
            model_name="recording",
            name="source_url",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The link an imported file was fetched from (empty for a file sent).",
                max_length=2000,
            ),
        ),
        search_schema.resume_triggers(2),
    ]

"""The full-text index behind search: see transcripts/search_schema.py."""

from __future__ import annotations

from django.db import migrations

from transcripts import search_schema


class Migration(migrations.Migration):
    dependencies = [("transcripts", "0002_uploads_and_jobs")]

    operations = [search_schema.create_index()]

"""PostgreSQL: each segment's readers inside the full-text index (see search_schema.py)."""

from __future__ import annotations

from django.db import migrations

from transcripts import search_schema


class Migration(migrations.Migration):
    dependencies = [("transcripts", "0010_search_readers_index")]

    operations = [search_schema.segment_readers()]

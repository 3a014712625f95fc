"""PostgreSQL: index the recordings' readers that the search filters on."""

from __future__ import annotations

from django.db import migrations

from transcripts import search_schema


class Migration(migrations.Migration):
    dependencies = [("transcripts", "0009_url_import")]

    operations = [search_schema.readers_index()]

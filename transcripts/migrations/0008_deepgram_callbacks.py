"""Deepgram callbacks: a job can wait for Deepgram, with hashed per-job callback credentials.

Only the jobs table changes, so the search index triggers need no suspending.
"""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('transcripts', '0007_teams_sharing_tags'),
    ]

    operations = [
        migrations.AddField(
            model_name='transcriptionjob',
            name='callback_auth',
            field=models.CharField(blank=True, help_text="SHA-256 of the callback's Basic Auth user:password.", max_length=64),
        ),
        migrations.AddField(
            model_name='transcriptionjob',
            name='callback_request_id',
            field=models.CharField(blank=True, help_text="Deepgram's id for the request it calls back about.", max_length=100),
        ),
        migrations.AddField(
            model_name='transcriptionjob',
            name='callback_secret',
            field=models.CharField(blank=True, help_text='SHA-256 of the secret Deepgram sends back in extra.', max_length=64),
        ),
        migrations.AlterField(
            model_name='transcriptionjob',
            name='lease_expires_at',
            field=models.DateTimeField(blank=True, help_text="A running job whose lease lapses is run again; a job waiting for Deepgram's callback past this time fails.", null=True),
        ),
        migrations.AlterField(
            model_name='transcriptionjob',
            name='status',
            field=models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed'), ('cancelled', 'Cancelled'), ('waiting', 'Waiting for Deepgram')], default='queued', max_length=10),
        ),
    ]

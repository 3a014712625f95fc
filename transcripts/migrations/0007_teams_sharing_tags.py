"""Teams and sharing: a recording's team, its shares and tags, and readers in the search index."""

from __future__ import annotations

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from transcripts import search_schema


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0001_initial"),
        ("transcripts", "0006_live_lag"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        search_schema.suspend_triggers(1),
        migrations.AddField(
            model_name="recording",
            name="readers",
            field=models.TextField(
                blank=True,
                default="",
                help_text="Who may read it, as search tokens: u<owner>, u<person shared with>, t<team shared with> (kept by transcripts/readers.py; the search index holds them).",
            ),
        ),
        migrations.AddField(
            model_name="recording",
            name="team",
            field=models.ForeignKey(
                blank=True,
                help_text="The team library it was saved to (its glossary applies).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="recordings",
                to="teams.team",
            ),
        ),
        migrations.AddField(
            model_name="recording",
            name="viewers_may_export",
            field=models.BooleanField(
                default=True, help_text="People it is shared with as viewers may download exports."
            ),
        ),
        migrations.CreateModel(
            name="RecordingShare",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[("viewer", "Viewer"), ("editor", "Editor")],
                        default="viewer",
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "recording",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shares",
                        to="transcripts.recording",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shares",
                        to="teams.team",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recordings_shared_with_me",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["recording", "created_at", "pk"],
                "indexes": [
                    models.Index(fields=["user", "recording"], name="share_by_person"),
                    models.Index(fields=["team", "recording"], name="share_by_team"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("team__isnull", False), ("user__isnull", True)),
                            models.Q(("team__isnull", True), ("user__isnull", False)),
                            _connector="OR",
                        ),
                        name="share_with_person_or_team",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("user__isnull", False)),
                        fields=("recording", "user"),
                        name="share_once_per_person",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("team__isnull", False)),
                        fields=("recording", "team"),
                        name="share_once_per_team",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="RecordingTag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=40)),
                (
                    "recording",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tags",
                        to="transcripts.recording",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "indexes": [models.Index(fields=["name", "recording"], name="tag_by_name")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("recording", "name"), name="tag_once_per_recording"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name='pendingupload',
            name='team',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='teams.team'),
        ),
        migrations.RunSQL(
            "UPDATE transcripts_recording SET readers = 'u' || owner_id",
            migrations.RunSQL.noop,
        ),
        search_schema.index_readers(),
    ]

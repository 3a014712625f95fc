"""The "Reviewers" group: people in it may review what is submitted to them or their teams."""

from __future__ import annotations

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

GROUP = "Reviewers"
CODENAME = "review_recording"


def create_group(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create the group with the review permission (made first if migrations run fresh)."""
    # Permissions are otherwise made after all migrations; the stub needs a models flag.
    config = apps.get_app_config("transcripts")
    config.models_module = True  # type: ignore[assignment]
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=GROUP)
    permission = permission_model.objects.get(
        codename=CODENAME, content_type__app_label="transcripts"
    )
    group.permissions.add(permission)


def remove_group(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Remove the group (its members keep their accounts)."""
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_initial"),
        ("transcripts", "0012_review_and_retention"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]

"""Moving finished files into storage (Django's storage API) under generated names."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone


class _LocalFile(File):
    """A file on local disk that storage may move into place instead of copying."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def store_file(path: Path, extension: str) -> str:
    """Move a finished local file into storage as recordings/YYYY/MM/<uuid>.<ext>."""
    name = f"recordings/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"
    with _LocalFile(path.open("rb"), name=str(path)) as file:
        return default_storage.save(name, file)


def delete_stored(name: str | None) -> None:
    """Remove a stored file if it is there."""
    if name:
        default_storage.delete(name)

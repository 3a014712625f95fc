"""Static file storage."""

from __future__ import annotations

from servestatic.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; ES module imports point at hashed names too."""

    support_js_module_import_aggregation = True

"""Media storage on the local disk, for when no object storage is configured.

Django's FileSystemStorage writes an upload in place, chunk by chunk: a request reading the
same name meanwhile (a second first request of an image rendition) can get half a file. This
one writes beside the target and renames it into place, so a file is whole or absent. With
S3-compatible storage (settings: AWS_STORAGE_BUCKET_NAME) an object appears whole anyway.
"""

import os
import tempfile

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class _Written(File):
    """A file already on disk, which FileSystemStorage moves into place (a rename)."""

    def temporary_file_path(self):
        return self.name


class MediaStorage(FileSystemStorage):
    def _save(self, name, content):
        if hasattr(content, "temporary_file_path"):
            return super()._save(name, content)  # Already a file on disk: moved with a rename.
        directory = os.path.dirname(self.path(name))
        os.makedirs(directory, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".partial-", delete=False) as tmp:
            for chunk in content.chunks():
                tmp.write(chunk.encode() if isinstance(chunk, str) else chunk)
        try:
            return super()._save(name, _Written(None, tmp.name))
        finally:
            if os.path.exists(tmp.name):
                os.unlink(tmp.name)


class StaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, content-hashed static files, with each file's address worked
    out once per process: ``{% static %}`` looks the hashed name up in the manifest and joins
    it to STATIC_URL on every use (about 40 µs), and the manifest does not change while the
    process runs (collectstatic comes before a deploy's restart)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = self._urls[name] = super().url(name)
        return url

"""Files that belong to rows: deleted from storage with their row, and pictures served only
through a view that checked who may see them (MEDIA_URL would serve anyone).

Used by every app whose rows hold a picture (practice, officers, projects): connect
``delete_file_on_commit`` to the model's ``post_delete`` in the app's ``AppConfig.ready()``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def delete_file_on_commit(sender, instance, **kwargs) -> None:
    """A post_delete receiver: the row's ``image`` file is deleted once the deletion is
    committed, however the row went (a cascade, the admin, a service); a rollback keeps it."""
    file = instance.image
    if not file or not file.name:
        return
    storage, name = file.storage, file.name
    transaction.on_commit(lambda: storage.delete(name))


def private_image_response(file: FieldFile) -> FileResponse:
    """A stored picture (compressed to JPEG on upload) for a view that already checked access:
    kept in the browser's own cache only. A file gone from storage is a 404."""
    try:
        opened = file.open("rb")
    except OSError as error:
        raise Http404 from error
    response = FileResponse(opened, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response

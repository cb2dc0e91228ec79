"""Files leave storage with their rows: an item's picture and a photo of handed-in work are
deleted once the deletion is committed, however the row went (a cascade from its set, course or
enrolment, the admin, a service). Connected in PracticeConfig.ready()."""

from __future__ import annotations

from django.db import transaction


def delete_file_on_commit(sender, instance, **kwargs) -> None:
    file = instance.image
    if not file or not file.name:
        return
    storage, name = file.storage, file.name
    transaction.on_commit(lambda: storage.delete(name))

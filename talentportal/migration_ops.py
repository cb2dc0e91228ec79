"""Operations for migrations that move models between apps without touching their tables."""

from __future__ import annotations

from django.db import migrations
from django.db.migrations.operations.base import Operation


def state_only(*operations: Operation) -> migrations.SeparateDatabaseAndState:
    """Apply ``operations`` to Django's model state only: the tables stay as they are (the moved
    models keep their ``db_table``), so the move needs no data migration on a live database."""
    return migrations.SeparateDatabaseAndState(state_operations=list(operations))


def move_content_types(from_app: str, to_app: str, models: list[str]) -> migrations.RunPython:
    """Relabel the moved models' content types, so the permissions and admin log entries that
    point at them follow the models to their new app."""

    def relabel(source: str, target: str):
        def run(apps, schema_editor):
            content_type = apps.get_model("contenttypes", "ContentType")
            moved = content_type.objects.filter(app_label=target, model__in=models)
            taken = set(moved.values_list("model", flat=True))
            content_type.objects.filter(app_label=source, model__in=set(models) - taken).update(
                app_label=target
            )

        return run

    return migrations.RunPython(relabel(from_app, to_app), relabel(to_app, from_app), elidable=False)

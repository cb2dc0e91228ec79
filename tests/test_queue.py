"""The queue helper finds tasks by name in a web process that has not imported them yet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from talentportal.queue import task_named

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import logging, sys
import django
django.setup()
from talentportal.queue import task_named
handlers = list(logging.getLogger().handlers)
assert "reminders.tasks" not in sys.modules
task = task_named("reminders.tasks.send_queued_reminders")
assert task.name == "reminders.tasks.send_queued_reminders"
# Finding it set nothing up again: the root logger keeps its handlers (pytest's caplog among them).
assert logging.getLogger().handlers == handlers
print("ok")
"""


def test_a_task_not_imported_yet_is_found_by_its_name():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "talentportal.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_an_unknown_task_name_is_an_error():
    with pytest.raises(KeyError):
        task_named("certificates.tasks.no_such_task")
    with pytest.raises(ModuleNotFoundError):
        task_named("nowhere.tasks.anything")

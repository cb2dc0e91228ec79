from __future__ import annotations

# The catalogue's tests read the English source texts and use the editors and publishers of the
# courses' tests.
from tests.courses.conftest import _english_by_default, editor, publisher  # noqa: F401

"""The studio's own writes: pictures for lessons (the curriculum's writes are courses.revisions)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from courses.models import Course
from talentportal.images import ImageRefused, compress

# A lesson's picture must stay light on a 2G/3G link: at most 1200 px on the long side and at
# most 100 KB. A photo that is still heavier at 1200 px is made smaller until it fits.
IMAGE_MAX_SIDE = 1200
IMAGE_MAX_BYTES = 100 * 1024
_SIDES = (1200, 960, 800, 640, 480, 360)


@dataclass(frozen=True)
class StoredImage:
    url: str
    size: int
    width: int
    height: int


def lesson_image_store(*, course: Course, data: bytes) -> StoredImage:
    """Compress ``data`` (ImageRefused when it is not a picture) to ≤ IMAGE_MAX_SIDE px and
    ≤ IMAGE_MAX_BYTES, and save it through the default storage under a random name."""
    for side in _SIDES:
        picture = compress(data, max_side=side)
        if picture.size <= IMAGE_MAX_BYTES:
            break
    else:  # a 360 px JPEG above 100 KB is noise, not a picture worth a learner's data
        raise ImageRefused(_("This picture cannot be made as small as 100 KB."))
    name = default_storage.save(f"studio/images/{course.pk}/{picture.content.name}", picture.content)
    return StoredImage(default_storage.url(name), picture.size, picture.width, picture.height)

"""Reads for the studio's pages: a lesson's page weight and its images without alt text."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.conf import settings
from django.core.files.storage import default_storage

# Heavy for 2G/3G: above 300 KB a lesson takes more than 15 s on EDGE (about 20 KB/s) and
# about 6 s on a weak 3G link (about 50 KB/s). Videos count when they are uploaded files.
HEAVY_BYTES = 300 * 1024


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append({name: value or "" for name, value in attrs})


@dataclass
class PageWeight:
    text: int
    images: int
    video: int
    image_count: int
    unknown_images: int
    missing_alt: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.text + self.images + self.video

    @property
    def is_heavy(self) -> bool:
        return self.total > HEAVY_BYTES


def _stored_size(src: str) -> int | None:
    """The size of a picture in our storage, None for one elsewhere (not counted)."""
    if not src.startswith(settings.MEDIA_URL):
        return None
    name = src[len(settings.MEDIA_URL) :]
    try:
        return default_storage.size(name)
    except (OSError, NotImplementedError, ValueError):
        return None


def lesson_weight(*, body_html: str, video_size: int = 0) -> PageWeight:
    """What a learner downloads for a lesson: its HTML, its pictures and an uploaded video."""
    parser = _Images()
    parser.feed(body_html)
    images = unknown = 0
    missing = []
    for image in parser.images:
        size = _stored_size(image.get("src", ""))
        if size is None:
            unknown += 1
        else:
            images += size
        if not image.get("alt", "").strip():
            missing.append(image.get("src", ""))
    return PageWeight(
        text=len(body_html.encode()),
        images=images,
        video=video_size,
        image_count=len(parser.images),
        unknown_images=unknown,
        missing_alt=missing,
    )

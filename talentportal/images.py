"""Uploaded pictures made light enough for a 2G/3G phone: at most ``max_side`` px on the long side
(800 by default), JPEG at quality 70, metadata dropped (a phone photo's EXIF holds where it was
taken), stored under a random name. Used by the practice lab (items, assignment photos) and the
officers' survey photos."""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 800
QUALITY = 70
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A picture larger than this many pixels is refused before it is decoded (a decompression bomb:
# a small file that unpacks to gigabytes).
MAX_PIXELS = 24_000_000
# Only these decoders run on an upload: Pillow knows many more (EPS would start Ghostscript).
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


class ImageRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CompressedImage:
    content: ContentFile
    width: int
    height: int

    @property
    def size(self) -> int:
        return self.content.size


def _flattened(source: Image.Image) -> Image.Image:
    """The picture in RGB for JPEG: what was transparent (a PNG's or GIF's background, a
    diagram's) becomes white, as on the page, instead of black."""
    if source.mode in ("RGBA", "LA", "PA") or "transparency" in source.info:
        rgba = source.convert("RGBA")
        white = Image.new("RGB", rgba.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        if "exif" in source.info:  # the orientation, applied after
            white.info["exif"] = source.info["exif"]
        return white
    return source.convert("RGB")


def compress(data: bytes, *, max_side: int = MAX_SIDE) -> CompressedImage:
    """``data`` as a JPEG of at most ``max_side`` px on the long side. ImageRefused (with a
    translated message) for what is not a picture, or one too large to open safely."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRefused(_("The image is larger than 10 MB."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
                if probe.width * probe.height > MAX_PIXELS:
                    raise ImageRefused(_("The image has too many pixels to open safely."))
                probe.verify()
            with Image.open(io.BytesIO(data), formats=FORMATS) as opened:
                if opened.format == "JPEG":
                    opened.draft("RGB", (max_side * 2, max_side * 2))  # decode at a smaller scale
                source = opened
                if source.mode in ("1", "L", "I", "I;16", "RGB") and "transparency" in source.info:
                    # One colour marked transparent (a PNG's tRNS): resampling would blur the
                    # edges out of that colour (a dark fringe), so it becomes an alpha channel
                    # first. A palette keeps its indices through the shrink (nearest neighbour).
                    source = source.convert("RGBA")
                # Shrink first, so that the turn and the colour conversion work on a small
                # picture (the EXIF orientation travels along in info and is applied after).
                source.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                picture = ImageOps.exif_transpose(_flattened(source))
    except ImageRefused:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise ImageRefused(_("This file is not a picture (JPEG, PNG, WebP or GIF).")) from error
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    # A random name: the original one may hold a gold label or a person's name, and a
    # guessable name would let anyone fetch another's photo.
    return CompressedImage(
        ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg"), picture.width, picture.height
    )

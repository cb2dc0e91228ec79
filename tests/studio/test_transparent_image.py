"""Pictures with transparency (a diagram or a screenshot saved as a transparent PNG, a GIF, a
WebP) become JPEGs whose transparent ground is white, as the page shows them, not black: a
diagram of black text used to come out as a black rectangle. Whatever the transparency (an
alpha channel, a palette's transparent entries, one colour marked transparent), it is blended
onto white; a lesson's picture stays within 1200 px and 100 KB."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont

from courses import revisions
from studio.services import IMAGE_MAX_BYTES, IMAGE_MAX_SIDE
from talentportal.images import compress
from tests.studio.conftest import lessons_of

WIDTH, HEIGHT = 400, 300
BAR = (50, 50, 250, 90)  # a black bar, 200 × 40 px, where the checks look
GROUND = (340, 250)  # a transparent point far from the bar and the text


def diagram(width: int = WIDTH, height: int = HEIGHT) -> Image.Image:
    """Black text and a black bar on a fully transparent ground (RGBA)."""
    picture = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    scale = width / WIDTH
    draw.rectangle([round(side * scale) for side in BAR], fill=(0, 0, 0, 255))
    font = ImageFont.load_default(size=round(32 * scale))
    draw.text(
        (round(50 * scale), round(120 * scale)), "Step 1: open the shop", fill=(0, 0, 0, 255), font=font
    )
    return picture


def encoded(picture: Image.Image, kind: str, **options) -> bytes:
    out = io.BytesIO()
    picture.save(out, kind, **options)
    return out.getvalue()


def as_rgba_png() -> bytes:
    return encoded(diagram(), "PNG")


def as_grey_alpha_png() -> bytes:
    return encoded(diagram().convert("LA"), "PNG")


def as_palette_png() -> bytes:
    """A palette with a transparent entry (what pngquant and many editors write)."""
    return encoded(diagram().quantize(colors=4, method=Image.Quantize.FASTOCTREE), "PNG")


def as_gif() -> bytes:
    picture = Image.new("P", (WIDTH, HEIGHT), 0)
    picture.putpalette([0, 0, 0, 0, 0, 0] + [0] * 762)  # entry 0 (transparent) and 1 are both black
    ImageDraw.Draw(picture).rectangle(BAR, fill=1)
    return encoded(picture, "GIF", transparency=0)


def as_colour_key_png() -> bytes:
    """An RGB PNG whose black is marked transparent (tRNS) and whose bar is dark blue."""
    picture = Image.new("RGB", (WIDTH, HEIGHT), (0, 0, 0))
    ImageDraw.Draw(picture).rectangle(BAR, fill=(0, 0, 40))
    return encoded(picture, "PNG", transparency=(0, 0, 0))


def as_webp() -> bytes:
    return encoded(diagram(), "WEBP", lossless=True)


@pytest.mark.parametrize(
    "data", [as_rgba_png, as_grey_alpha_png, as_palette_png, as_gif, as_colour_key_png, as_webp]
)
def test_a_transparent_ground_comes_out_white_and_the_drawing_stays_dark(data):
    picture = compress(data(), max_side=IMAGE_MAX_SIDE)
    with Image.open(io.BytesIO(picture.content.read())) as result:
        assert result.format == "JPEG" and result.mode == "RGB"
        assert min(result.getpixel(GROUND)) > 240  # the transparent ground: white, not black
        assert min(result.getpixel((0, 0))) > 240 and min(result.getpixel((WIDTH - 1, HEIGHT - 1))) > 240
        assert max(result.getpixel((150, 70))) < 60  # the bar: still dark


def test_black_text_stays_legible_on_the_white_ground():
    picture = compress(as_rgba_png(), max_side=IMAGE_MAX_SIDE)
    with Image.open(io.BytesIO(picture.content.read())) as result:
        text = result.convert("L").crop((50, 120, 390, 170))
        counts = text.histogram()
        dark, light = sum(counts[:100]), sum(counts[201:])
        assert dark > 200 and light > dark  # black strokes on white, not one black block


def test_a_half_transparent_pixel_is_blended_onto_white():
    picture = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 128))
    result = Image.open(io.BytesIO(compress(encoded(picture, "PNG")).content.read()))
    assert all(115 < value < 140 for value in result.getpixel((200, 150)))  # grey, neither black nor white


def test_an_opaque_picture_keeps_its_colours():
    picture = Image.new("RGB", (WIDTH, HEIGHT), (200, 120, 40))
    result = Image.open(io.BytesIO(compress(encoded(picture, "PNG")).content.read()))
    red, green, blue = result.getpixel((200, 150))
    assert abs(red - 200) < 8 and abs(green - 120) < 8 and abs(blue - 40) < 8


def test_a_large_transparent_diagram_uploaded_in_the_lesson_editor_is_white_and_within_the_limits(
    client, live, editor, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    draft = revisions.revision_open(course=live, by=editor)
    url = reverse("studio:lesson", args=[live.pk, f"l{lessons_of(live)[0].pk}"])
    data = encoded(diagram(2400, 1800), "PNG")
    client.force_login(editor)
    response = client.post(
        url,
        {
            "title": "开店准备",
            "body": "示意图：",
            "video_url": "",
            "duration_minutes": 10,
            "image": SimpleUploadedFile("diagram.png", data, content_type="image/png"),
            "image_alt": "开店步骤示意图",
            "save": "",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    body = draft.document["course"]["modules"][0]["lessons"][0]["body"]
    name = re.search(r"\((/media/studio/images/[^)]+\.jpg)\)", body)[1].removeprefix("/media/")
    assert default_storage.size(name) <= IMAGE_MAX_BYTES
    with default_storage.open(name) as stored, Image.open(stored) as result:
        assert max(result.size) <= IMAGE_MAX_SIDE
        scale = result.width / WIDTH
        assert min(result.getpixel((round(GROUND[0] * scale), round(GROUND[1] * scale)))) > 240
        assert max(result.getpixel((round(150 * scale), round(70 * scale)))) < 60

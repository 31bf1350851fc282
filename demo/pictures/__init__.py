"""Generated pictures for the demo outlet: portraits for the staff and "news photo"
illustrations for the stories, painted with Pillow (no bundled image files)."""

import io
import random

from PIL import Image as PILImage
from PIL import ImageDraw

from demo.pictures.canvas import (
    PORTRAIT_SIZE,
    RGB,
    SKIES,
    Sky,
    _box,
    _gradient,
    _light,
    _mix,
    _scale,
)
from demo.pictures.scenes import SCENES

__all__ = ["PORTRAIT_COLOURS", "SCENES", "SKIES", "Sky", "jpeg_bytes", "paint_portrait"]

PORTRAIT_COLOURS = [
    (94, 129, 172), (122, 156, 128), (192, 120, 96), (201, 162, 84), (142, 122, 170),
    (72, 140, 144), (108, 118, 132), (184, 118, 136), (160, 128, 96), (128, 132, 84),
    (120, 84, 112), (86, 112, 150),
]  # fmt: skip


def jpeg_bytes(img: PILImage.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def paint_portrait(rng: random.Random, colour: RGB) -> PILImage.Image:
    """A head-and-shoulders silhouette on a soft gradient, drawn at 2x and scaled down."""
    s = PORTRAIT_SIZE * 2
    img = _gradient((s, s), ((0, _mix(colour, (255, 255, 255), 0.15)), (1, _scale(colour, 0.8))))

    def halo(draw, k):
        draw.ellipse(_box(s / 2, s * 0.4, s * 0.35, s * 0.35, k), fill=(40, 40, 40))

    img = _light(img, halo, blur=20)
    draw = ImageDraw.Draw(img)
    figure = _mix(colour, (255, 255, 255), rng.uniform(0.4, 0.5))
    neck = _mix(figure, colour, 0.18)  # A touch darker: the chin's shadow.
    cx = s / 2 + rng.randint(-16, 16)
    head_y = s * 0.42 + rng.randint(-16, 16)
    head_rx, head_ry = rng.randint(196, 222), rng.randint(242, 258)
    shoulders = rng.randint(470, 530)
    draw.ellipse([cx - shoulders, s * 0.7, cx + shoulders, s * 1.6], fill=figure)
    draw.rounded_rectangle([cx - 96, head_y + 140, cx + 96, s * 0.78], radius=48, fill=neck)
    draw.ellipse(_box(cx, head_y, head_rx, head_ry), fill=figure)
    return img.resize((PORTRAIT_SIZE, PORTRAIT_SIZE), PILImage.Resampling.LANCZOS)

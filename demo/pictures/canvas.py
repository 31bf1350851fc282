"""The painter's canvas: picture sizes, skies and tones, and the few drawing primitives every
scene is made of (gradients, soft light, tints)."""

from dataclasses import dataclass
from itertools import pairwise

from PIL import Image as PILImage
from PIL import ImageChops, ImageDraw, ImageFilter

IMAGE_SIZE = (1600, 900)
PORTRAIT_SIZE = 600

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Sky:
    """A time of day: the colours a scene is painted in."""

    phrase: str
    stops: tuple[tuple[float, RGB], ...]
    haze: RGB  # Distant things.
    shadow: RGB  # Near things.
    light: RGB  # Sun or moon.
    lit: bool  # Windows and floodlights on.


SKIES = {
    "dawn": Sky(
        "at dawn",
        ((0, (54, 66, 112)), (0.55, (178, 128, 150)), (1, (246, 196, 160))),
        (176, 138, 156),
        (44, 42, 74),
        (255, 214, 176),
        False,
    ),
    "day": Sky(
        "on a clear day",
        ((0, (84, 134, 190)), (0.65, (158, 192, 224)), (1, (222, 232, 238))),
        (150, 174, 198),
        (48, 66, 92),
        (255, 248, 228),
        False,
    ),
    "dusk": Sky(
        "at dusk",
        ((0, (32, 36, 82)), (0.45, (98, 64, 118)), (0.8, (214, 112, 96)), (1, (244, 172, 110))),
        (122, 78, 108),
        (26, 22, 46),
        (255, 176, 96),
        True,
    ),
    "night": Sky(
        "at night",
        ((0, (8, 14, 36)), (0.7, (22, 36, 76)), (1, (48, 62, 112))),
        (36, 48, 86),
        (8, 10, 24),
        (214, 222, 255),
        True,
    ),
    "overcast": Sky(
        "under a grey sky",
        ((0, (104, 114, 130)), (1, (188, 192, 198))),
        (146, 152, 162),
        (58, 62, 74),
        (236, 236, 236),
        False,
    ),
    "golden": Sky(
        "in golden evening light",
        ((0, (72, 108, 160)), (0.6, (222, 180, 132)), (1, (244, 212, 156))),
        (190, 160, 128),
        (66, 56, 60),
        (255, 226, 170),
        True,
    ),
}

# Background stops and light colours for the abstract (bokeh / circuit) scenes, per section.
TONES = {
    "technology": (
        ((0, (10, 14, 40)), (1, (34, 22, 72))),
        [(80, 200, 255), (160, 110, 255), (60, 120, 255)],
    ),
    "science": (
        ((0, (20, 12, 42)), (1, (64, 32, 92))),
        [(220, 120, 220), (120, 140, 255), (255, 190, 140)],
    ),
    "health": (
        ((0, (22, 82, 96)), (1, (138, 196, 186))),
        [(240, 255, 250), (170, 240, 220), (255, 240, 200)],
    ),
}
DEFAULT_TONE = TONES["technology"]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _scale(c: RGB, f: float) -> RGB:
    return tuple(min(255, round(x * f)) for x in c)


def _gradient(size, stops, horizontal=False) -> PILImage.Image:
    """A gradient through ``stops`` ((position 0..1, colour), ...), top to bottom by default."""
    w, h = size
    length = w if horizontal else h
    pixels = []
    for i in range(length):
        t = i / max(length - 1, 1)
        colour = stops[-1][1]
        for (p0, c0), (p1, c1) in pairwise(stops):
            if t <= p1:
                colour = _mix(c0, c1, (t - p0) / (p1 - p0) if p1 > p0 else 0)
                break
        pixels.append(colour)
    strip = PILImage.new("RGB", (length, 1) if horizontal else (1, length))
    strip.putdata(pixels)
    return strip.resize(size, PILImage.Resampling.NEAREST)


def _sky(sky: Sky, horizon: int) -> PILImage.Image:
    """The sky gradient ending at ``horizon``; below it, the horizon colour."""
    img = PILImage.new("RGB", IMAGE_SIZE, sky.stops[-1][1])
    img.paste(_gradient((IMAGE_SIZE[0], horizon), sky.stops), (0, 0))
    return img


def _light(img: PILImage.Image, paint, blur: float, scale: int = 4) -> PILImage.Image:
    """Add soft light: ``paint(draw, k)`` draws on a small dark canvas (coordinates times k),
    which is blurred, enlarged and screened over ``img``. Cheap at any size."""
    w, h = img.size
    small = PILImage.new("RGB", (w // scale, h // scale))
    paint(ImageDraw.Draw(small), 1 / scale)
    small = small.filter(ImageFilter.GaussianBlur(blur))
    return ImageChops.screen(img, small.resize((w, h), PILImage.Resampling.BICUBIC))


def _tint(img: PILImage.Image, colour: RGB, t: float) -> PILImage.Image:
    return PILImage.blend(img, PILImage.new("RGB", img.size, colour), t)


def _box(cx, cy, rx, ry, k=1.0):
    return [(cx - rx) * k, (cy - ry) * k, (cx + rx) * k, (cy + ry) * k]


def _sun(img, sky: Sky, x: int, y: int, radius: int) -> PILImage.Image:
    def paint(draw, k):
        draw.ellipse(_box(x, y, radius * 6, radius * 4, k), fill=_scale(sky.light, 0.22))
        draw.ellipse(_box(x, y, radius * 2.5, radius * 2.5, k), fill=_scale(sky.light, 0.45))

    img = _light(img, paint, blur=18)
    ImageDraw.Draw(img).ellipse(_box(x, y, radius, radius), fill=_mix(sky.light, (255,) * 3, 0.3))
    return img

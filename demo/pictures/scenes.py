"""The illustrations: ten kinds of "news photo" scene, each painted from a random stream, a sky
and a section's tone, returning the picture with its alt text and caption."""

import math
import random

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter

from demo.pictures.canvas import (
    DEFAULT_TONE,
    IMAGE_SIZE,
    SKIES,
    TONES,
    Sky,
    _box,
    _gradient,
    _light,
    _mix,
    _scale,
    _sky,
    _sun,
    _tint,
)


def paint_skyline(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    horizon = rng.randint(560, 650)
    img = _sky(sky, horizon)
    if sky.phrase != "at night":
        img = _sun(img, sky, rng.randint(250, 1350), horizon - rng.randint(40, 200), 46)
    draw = ImageDraw.Draw(img)
    windows = _mix(sky.shadow, (255, 206, 130), 0.75)
    for layer in range(3):
        colour = _mix(sky.haze, sky.shadow, 0.3 + 0.35 * layer)
        x = -rng.randint(0, 80)
        while x < w:
            bw = rng.randint(50, 150) - 10 * layer
            top = horizon - int(rng.triangular(50, 380, 150) * (1.15 - 0.25 * layer))
            draw.rectangle([x, top, x + bw, horizon], fill=colour)
            roof = rng.random()
            if roof < 0.2:
                mast = x + bw // 2
                draw.rectangle([mast - 2, top - rng.randint(25, 70), mast + 2, top], fill=colour)
            elif roof < 0.4:
                inset = bw // 5
                draw.rectangle([x + inset, top - rng.randint(15, 40), x + bw - inset, top],
                               fill=colour)  # fmt: skip
            elif roof < 0.5:
                draw.polygon([(x, top), (x + bw, top), (x + bw, top - bw // 2)], fill=colour)
            if sky.lit and layer == 2:
                for wy in range(top + 12, horizon - 12, 18):
                    for wx in range(x + 8, x + bw - 10, 14):
                        if rng.random() < 0.22:
                            draw.rectangle([wx, wy, wx + 5, wy + 8], fill=windows)
            x += bw + rng.randint(-8, 18)
    # The river: the skyline reflected, softened and darkened, with a few ripples.
    depth = h - horizon
    mirror = img.crop((0, horizon - depth, w, horizon)).transpose(
        PILImage.Transpose.FLIP_TOP_BOTTOM
    )
    mirror = mirror.resize((w // 4, depth // 4)).filter(ImageFilter.GaussianBlur(1.2))
    mirror = mirror.resize((w, depth), PILImage.Resampling.BICUBIC)
    img.paste(_tint(mirror, sky.shadow, 0.45), (0, horizon))
    draw.rectangle([0, horizon - 2, w, horizon + 5], fill=sky.shadow)
    for _ in range(40):
        y, x0 = rng.randint(horizon + 12, h - 4), rng.randint(-100, w)
        colour = _mix(img.getpixel((max(0, min(x0, w - 1)), y)), (255, 255, 255), 0.12)
        draw.line([(x0, y), (x0 + rng.randint(40, 260), y)], fill=colour, width=2)
    return (
        img,
        f"Abstract illustration of a city skyline {sky.phrase}, reflected in a river",
        rng.choice(
            [
                f"The city skyline {sky.phrase}.",
                f"Office towers by the river {sky.phrase}.",
                f"A view across the water {sky.phrase}.",
            ]
        ),
    )


def _ridge(rng, base: int, amp: float, step: int = 16) -> list[tuple[int, int]]:
    w, _h = IMAGE_SIZE
    waves = [(rng.uniform(0.002, 0.006), rng.uniform(0, 6.3), 0.6),
             (rng.uniform(0.008, 0.015), rng.uniform(0, 6.3), 0.3),
             (rng.uniform(0.02, 0.04), rng.uniform(0, 6.3), 0.1)]  # fmt: skip
    points = []
    for x in range(0, w + step, step):
        lift = sum(weight * (0.5 + 0.5 * math.sin(x * f + p)) for f, p, weight in waves)
        points.append((x, round(base - amp * lift)))
    return points


def paint_landscape(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    horizon = rng.randint(430, 520)
    img = _sky(sky, horizon + 200)
    img = _sun(img, sky, rng.randint(200, 1400), horizon - rng.randint(60, 220), 40)
    draw = ImageDraw.Draw(img)
    ground = _mix(sky.shadow, (46, 78, 54), 0.45)
    layers = 4
    for i in range(layers):
        colour = _mix(sky.haze, ground, (i + 1) / layers)
        ridge = _ridge(rng, horizon + 95 * i, 150 - 22 * i)
        draw.polygon([*ridge, (w, h), (0, h)], fill=colour)
        if i == layers - 1:  # A line of trees along the nearest ridge.
            dark = _scale(colour, 0.75)
            for x, y in ridge[:: rng.randint(2, 4)]:
                if rng.random() < 0.5:
                    size = rng.randint(14, 30)
                    draw.polygon([(x - size // 2, y + 4), (x + size // 2, y + 4),
                                  (x, y - size * 2)], fill=dark)  # fmt: skip

    def mist(draw, k):
        for i in range(layers - 1):
            y = horizon + 95 * i + 10
            draw.rectangle([0, (y - 14) * k, w * k, (y + 14) * k], fill=_scale(sky.haze, 0.25))

    img = _light(img, mist, blur=6)
    return (
        img,
        f"Abstract illustration of layered hills and a distant sun {sky.phrase}",
        rng.choice([f"Countryside {sky.phrase}.", f"Hills seen from the valley {sky.phrase}."]),
    )


def paint_civic(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    horizon = rng.randint(690, 740)
    img = _sky(sky, horizon)
    img = _sun(img, sky, rng.choice([rng.randint(150, 450), rng.randint(1150, 1450)]),
               horizon - rng.randint(150, 330), 38)  # fmt: skip
    draw = ImageDraw.Draw(img)
    stone = _mix(sky.shadow, sky.haze, 0.3)
    inner = _scale(stone, 0.7)
    # Trees behind, then the building: wings, dome, portico, columns, steps.
    for x in range(-40, w + 40, 70):
        r = rng.randint(40, 75)
        draw.ellipse(_box(x, horizon - r // 2, r, r), fill=_mix(stone, sky.haze, 0.25))
    cx, half = rng.randint(650, 950), rng.randint(280, 360)
    podium = horizon - 40
    draw.rectangle([cx - half - 220, podium - 170, cx + half + 220, horizon], fill=stone)
    for wx in range(cx - half - 200, cx + half + 200, 36):
        if not cx - half - 10 < wx < cx + half + 10:
            for wy in (podium - 140, podium - 80):
                draw.rectangle([wx, wy, wx + 14, wy + 34], fill=inner)
    drum_top = podium - 360
    draw.rectangle([cx - 130, drum_top, cx + 130, podium - 250], fill=stone)
    draw.pieslice(_box(cx, drum_top, 150, 150), 180, 360, fill=stone)
    draw.rectangle([cx - 14, drum_top - 190, cx + 14, drum_top - 145], fill=stone)
    draw.ellipse(_box(cx, drum_top - 190, 16, 16), fill=stone)
    draw.line([(cx, drum_top - 206), (cx, drum_top - 290)], fill=stone, width=4)
    flag = rng.choice([(150, 60, 64), (48, 76, 130), (60, 110, 80)])
    draw.rectangle([cx + 2, drum_top - 290, cx + 70, drum_top - 250], fill=_mix(flag, stone, 0.3))
    entablature = podium - 250
    draw.rectangle([cx - half, entablature, cx + half, podium], fill=inner)
    draw.polygon([(cx - half - 10, entablature), (cx + half + 10, entablature),
                  (cx, entablature - 90)], fill=stone)  # fmt: skip
    draw.rectangle([cx - half - 10, entablature, cx + half + 10, entablature + 28], fill=stone)
    columns = 8
    for i in range(columns):
        x = cx - half + 20 + i * (2 * half - 60) / (columns - 1)
        draw.rectangle([x, entablature + 28, x + 22, podium], fill=stone)
    for step in range(4):
        y = podium + step * 10
        draw.rectangle([cx - half - 30 - step * 14, y, cx + half + 30 + step * 14, y + 10],
                       fill=_mix(stone, sky.shadow, 0.2 * step))  # fmt: skip
    draw.rectangle([0, horizon, w, h], fill=sky.shadow)
    ground = _gradient((w, h - horizon), ((0, _mix(sky.shadow, sky.haze, 0.25)), (1, sky.shadow)))
    img.paste(ground, (0, horizon))
    return (
        img,
        f"Abstract illustration of a domed government building with columns {sky.phrase}",
        rng.choice(
            [f"Government buildings {sky.phrase}.", f"The seat of government {sky.phrase}."]
        ),
    )


def paint_chart(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    top, bottom = rng.choice([((12, 22, 44), (18, 48, 64)), ((20, 20, 34), (44, 32, 60)),
                              ((14, 30, 40), (20, 60, 58))])  # fmt: skip
    img = _gradient(IMAGE_SIZE, ((0, top), (1, bottom)))
    draw = ImageDraw.Draw(img)
    grid = _mix(bottom, (255, 255, 255), 0.08)
    for x in range(0, w, 100):
        draw.line([(x, 0), (x, h)], fill=grid, width=1)
    for y in range(50, h, 100):
        draw.line([(0, y), (w, y)], fill=grid, width=1)
    rising = rng.random() < 0.6
    accent = rng.choice([(96, 220, 170), (110, 190, 255), (255, 190, 110)])
    if not rising:
        accent = rng.choice([(255, 120, 110), (255, 170, 100)])
    value, points = 0.0, []
    for i in range(42):
        value += rng.gauss(0.35 if rising else -0.35, 1.0)
        points.append((70 + i * (w - 140) / 41, value))
    low, high = min(v for _x, v in points), max(v for _x, v in points)
    line = [(x, 720 - (v - low) / (high - low or 1) * 480) for x, v in points]
    overlay = PILImage.new("RGBA", IMAGE_SIZE, (0, 0, 0, 0))
    over = ImageDraw.Draw(overlay)
    over.polygon([*line, (line[-1][0], 800), (line[0][0], 800)], fill=(*accent, 48))
    for x, _y in line[::2]:
        bar = rng.randint(20, 90)
        over.rectangle([x - 8, 860 - bar, x + 8, 860], fill=(*accent, 60))
    img = PILImage.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")

    def glow(draw, k):
        draw.line([(x * k, y * k) for x, y in line], fill=_scale(accent, 0.8), width=3)

    img = _light(img, glow, blur=3)
    draw = ImageDraw.Draw(img)
    draw.line(line, fill=accent, width=5, joint="curve")
    draw.ellipse(_box(*line[-1], 10, 10), fill=_mix(accent, (255, 255, 255), 0.5))
    trend = "rising" if rising else "falling"
    return (
        img,
        f"Abstract illustration of a {trend} market chart on a dark trading screen",
        rng.choice(["Market data on a trading screen.", "Share prices through the day."]),
    )


def _bokeh_lights(img, rng, colours, count, radii, blur, strength):
    w, h = IMAGE_SIZE
    spots = [(rng.randint(0, w), rng.randint(0, h), rng.randint(*radii), rng.choice(colours),
              rng.uniform(*strength)) for _ in range(count)]  # fmt: skip

    def paint(draw, k):
        for x, y, r, colour, f in spots:
            draw.ellipse(_box(x, y, r, r, k), fill=_scale(colour, f))

    return _light(img, paint, blur=blur)


def paint_bokeh(rng: random.Random, sky: Sky, tone: str):
    stops, colours = TONES.get(tone, DEFAULT_TONE)
    img = _gradient(IMAGE_SIZE, stops)
    img = PILImage.blend(img, _gradient(IMAGE_SIZE, stops[::-1], horizontal=True), 0.35)
    img = _bokeh_lights(img, rng, colours, 14, (90, 200), 10, (0.12, 0.3))
    img = _bokeh_lights(img, rng, colours, 30, (24, 80), 2.5, (0.2, 0.55))
    return (
        img,
        "Abstract illustration of soft, out-of-focus circles of light",
        rng.choice(["Lights, out of focus.", "A soft-focus abstract image."]),
    )


def paint_circuit(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    stops, colours = TONES.get(tone, DEFAULT_TONE)
    horizon = rng.randint(380, 460)
    img = _gradient(IMAGE_SIZE, stops)
    accent = rng.choice(colours)
    vx = rng.randint(500, 1100)

    def grid(draw, k):
        for i in range(-24, 25):
            draw.line([(vx * k, horizon * k), ((vx + i * 140) * k, h * k)],
                      fill=_scale(accent, 0.45), width=1)  # fmt: skip
        y, gap = horizon + 6, 6.0
        while y < h:
            draw.line([(0, y * k), (w * k, y * k)], fill=_scale(accent, 0.4), width=1)
            gap *= 1.28
            y += gap
        draw.ellipse(_box(vx, horizon, 500, 60, k), fill=_scale(accent, 0.5))

    img = _light(img, grid, blur=0.6, scale=2)
    img = _bokeh_lights(img, rng, colours, 22, (8, 40), 1.5, (0.25, 0.6))
    return (
        img,
        "Abstract illustration of a glowing digital grid stretching to the horizon",
        rng.choice(["An abstract digital landscape.", "Data, visualised."]),
    )


def paint_stage(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    base = rng.choice([(60, 20, 44), (28, 22, 64), (54, 30, 22)])
    img = _gradient(IMAGE_SIZE, ((0, _scale(base, 0.4)), (0.7, base), (1, _scale(base, 0.3))))
    floor = 650
    colours = rng.sample([(255, 190, 110), (230, 110, 170), (120, 170, 255), (255, 236, 200)], 3)
    beams = [(rng.randint(100, 1500), rng.randint(200, 1400), rng.choice(colours))
             for _ in range(rng.randint(3, 5))]  # fmt: skip

    def spots(draw, k):
        for top_x, floor_x, colour in beams:
            draw.polygon(
                [
                    (top_x * k, -10 * k),
                    ((floor_x - 170) * k, floor * k),
                    ((floor_x + 170) * k, floor * k),
                ],
                fill=_scale(colour, 0.3),
            )
            draw.ellipse(_box(floor_x, floor, 200, 40, k), fill=_scale(colour, 0.6))

    img = _light(img, spots, blur=7)
    draw = ImageDraw.Draw(img)
    crowd = (12, 9, 14)
    for row, (y, step) in enumerate(((h - 70, 58), (h + 10, 70))):
        x = -30 + row * 25
        while x < w + 60:
            r = rng.randint(20, 26) + row * 4
            dy = rng.randint(-8, 8)
            draw.ellipse(_box(x, y - 90 + dy, r, r * 1.2), fill=_scale(crowd, 1.2 - 0.4 * row))
            draw.ellipse(
                _box(x, y + 10 + dy, r * 2.6, r * 2.4), fill=_scale(crowd, 1.2 - 0.4 * row)
            )
            x += step + rng.randint(-8, 8)
    return (
        img,
        "Abstract illustration of coloured spotlights over a stage and a silhouetted audience",
        rng.choice(["The stage before the performance.", "Lights up, moments before the show."]),
    )


def _stadium(rng, sky: Sky):
    """Sky, a stand with a soft-focus crowd and floodlights; returns (image, pitch top)."""
    w, h = IMAGE_SIZE
    stand_top, pitch_top = rng.randint(230, 270), rng.randint(400, 430)
    img = _sky(sky, stand_top + 40)
    crowd = PILImage.new("RGB", (w // 8, (pitch_top - stand_top) // 8))
    palette = [
        _mix(sky.shadow, c, 0.22)
        for c in [(200, 60, 60), (240, 240, 240), (60, 90, 200), (230, 200, 80), (40, 40, 40)]
    ]
    crowd.putdata([rng.choice(palette) for _ in range(crowd.width * crowd.height)])
    crowd = crowd.filter(ImageFilter.GaussianBlur(0.7))
    crowd = crowd.resize((w, pitch_top - stand_top), PILImage.Resampling.BICUBIC)
    img.paste(crowd, (0, stand_top))
    draw = ImageDraw.Draw(img)
    for y in range(stand_top + 12, pitch_top, 16):  # Rows of seats.
        draw.line([(0, y), (w, y)], fill=_mix(sky.shadow, palette[0], 0.3), width=2)
    draw.rectangle([0, stand_top - 16, w, stand_top], fill=sky.shadow)  # The roof edge.
    masts = [rng.randint(120, 300), rng.randint(1300, 1480)]
    for x in masts:
        draw.line([(x, stand_top), (x, 60)], fill=sky.shadow, width=8)
        draw.rectangle([x - 50, 40, x + 50, 70], fill=_mix(sky.shadow, (255, 255, 255), 0.5))
    if sky.lit:

        def floodlights(draw, k):
            for x in masts:
                draw.ellipse(_box(x, 55, 160, 110, k), fill=(120, 120, 110))
                draw.ellipse(_box(x, 55, 60, 30, k), fill=(255, 255, 240))

        img = _light(img, floodlights, blur=8)
    return img, pitch_top


def paint_pitch(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    img, top = _stadium(rng, sky)
    draw = ImageDraw.Draw(img)
    greens = [_mix((56, 122, 62), sky.haze, 0.15), _mix((68, 138, 72), sky.haze, 0.15)]
    stripes, centre = 12, w // 2
    for i in range(-stripes, stripes):
        far = [centre + i * 110, centre + (i + 1) * 110]
        near = [centre + i * 190, centre + (i + 1) * 190]
        draw.polygon([(far[0], top), (far[1], top), (near[1], h), (near[0], h)],
                     fill=greens[i % 2])  # fmt: skip
    white = _mix((240, 240, 236), sky.haze, 0.15)
    draw.line([(0, top + 22), (w, top + 22)], fill=white, width=4)
    draw.line([(centre, top + 22), (centre, h)], fill=white, width=4)
    draw.ellipse(_box(centre, 640, 260, 100), outline=white, width=4)
    draw.ellipse(_box(centre, 640, 7, 5), fill=white)
    return (
        img,
        f"Abstract illustration of a football stadium and pitch {sky.phrase}",
        rng.choice([f"The stadium {sky.phrase}.", "The pitch before kick-off."]),
    )


def paint_track(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    img, top = _stadium(rng, sky)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, top, w, h], fill=_mix((64, 132, 70), sky.haze, 0.15))
    # Eight lanes sweeping towards a vanishing point off to the right, just above the grass.
    vx, vy = rng.randint(2300, 2700), top - rng.randint(30, 60)

    def at(bottom_x: float, y: float) -> tuple[float, float]:
        t = (y - vy) / (h - vy)
        return (vx + (bottom_x - vx) * t, y)

    lanes = [rng.randint(-1100, -800) + i * 220 for i in range(9)]
    draw.polygon(
        [at(lanes[0], top), at(lanes[-1], top), at(lanes[-1], h), at(lanes[0], h)],
        fill=_mix((178, 80, 58), sky.haze, 0.12),
    )
    white = _mix((240, 240, 236), sky.haze, 0.1)
    for bottom_x in lanes:
        draw.line([at(bottom_x, top), at(bottom_x, h)], fill=white, width=4)
    if rng.random() < 0.5:
        img = img.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT)
    return (
        img,
        f"Abstract illustration of an athletics track in an empty stadium {sky.phrase}",
        rng.choice(["The track before the final.", f"An athletics stadium {sky.phrase}."]),
    )


def paint_night_sky(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    horizon = rng.randint(700, 760)
    img = _sky(SKIES["night"], horizon)
    blobs = [
        (
            rng.randint(0, w),
            rng.randint(0, horizon),
            rng.randint(180, 420),
            rng.choice([(90, 50, 130), (40, 90, 130), (120, 60, 100)]),
        )
        for _ in range(5)
    ]

    def nebula(draw, k):
        for x, y, r, colour in blobs:
            draw.ellipse(_box(x, y, r, r * 0.6, k), fill=_scale(colour, 0.5))

    img = _light(img, nebula, blur=16)
    draw = ImageDraw.Draw(img)
    for _ in range(320):
        x, y, b = rng.randint(0, w), rng.randint(0, horizon), rng.randint(110, 255)
        r = 1 if rng.random() < 0.85 else 2
        draw.ellipse(_box(x, y, r, r), fill=(b, b, min(255, b + 20)))
    px, py, pr = rng.randint(250, 1350), rng.randint(150, 380), rng.randint(70, 130)
    planet = _gradient((2 * pr, 2 * pr), ((0, (236, 214, 190)), (1, (60, 50, 70))), True)
    mask = PILImage.new("L", (2 * pr, 2 * pr))
    ImageDraw.Draw(mask).ellipse([0, 0, 2 * pr - 1, 2 * pr - 1], fill=255)
    img.paste(planet, (px - pr, py - pr), mask)
    ridge = _ridge(rng, horizon + 60, 90)
    land = (8, 10, 22)
    draw.polygon([*ridge, (w, h), (0, h)], fill=land)
    dome_x = rng.randint(300, 1300)
    dome_y = min(y for x, y in ridge if abs(x - dome_x) < 60) + 4
    draw.rectangle([dome_x - 50, dome_y - 40, dome_x + 50, dome_y + 20], fill=land)
    draw.pieslice(_box(dome_x, dome_y - 40, 50, 50), 180, 360, fill=land)
    draw.rectangle([dome_x - 6, dome_y - 88, dome_x + 6, dome_y - 45], fill=(70, 70, 96))
    return (
        img,
        "Abstract illustration of a starry night sky and a planet above an observatory",
        rng.choice(["A clear night over the observatory.", "The night sky, far from city lights."]),
    )


SCENES = {
    "skyline": paint_skyline,
    "landscape": paint_landscape,
    "civic": paint_civic,
    "chart": paint_chart,
    "bokeh": paint_bokeh,
    "circuit": paint_circuit,
    "stage": paint_stage,
    "pitch": paint_pitch,
    "track": paint_track,
    "night_sky": paint_night_sky,
}

"""Image renditions: resized and cropped copies, made once on the first request of their URL.

Pages only *name* renditions (the URL is computed from the image row already loaded, no query
and no image work); the first request of a URL makes the file and stores it, every later one
is a plain file read (or is answered by the web server or CDN in front). The allowlist of
ratios and widths bounds what can be asked for.
"""

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from PIL import Image as PILImage
from PIL import ImageOps

from .models import Image

WIDTHS = (320, 480, 640, 960, 1200, 1600, 2000)
RATIOS = {"orig": None, "16x9": (16, 9), "4x3": (4, 3), "1x1": (1, 1)}
FORMATS = {"webp": "WEBP", "jpg": "JPEG", "png": "PNG"}
STRUCTURED_DATA_WIDTH = 1200  # Google asks for images at least this wide.


def source_format(image: Image) -> str:
    """The extension of the fallback format: the original's (GIF becomes PNG)."""
    ext = Path(image.file.name).suffix.lower().lstrip(".")
    return "jpg" if ext in {"jpg", "jpeg"} else "png"


def version_key(image: Image) -> str:
    """Changes whenever the file or the focal point changes, so old URLs never serve stale crops."""
    raw = f"{image.file.name}:{image.focal_x:.3f}:{image.focal_y:.3f}"
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()[:10]


@lru_cache(maxsize=1)
def url_prefix() -> str:
    """Where rendition URLs start ("/images/"), found once: pages name dozens of renditions
    and a reverse() for each would cost more than the rest of the picture markup."""
    sample = reverse(
        "articles:rendition",
        kwargs={"pk": 1, "key": "k", "ratio": "orig", "width": 1, "ext": "jpg"},
    )
    return sample[: -len("1/k/orig-w1.jpg")]


def crop_box(width: int, height: int, ratio, fx: float, fy: float) -> tuple[int, int, int, int]:
    """The largest box of ``ratio`` inside the picture, centred on the focal point as far as
    the edges allow."""
    if ratio is None:
        return 0, 0, width, height
    rw, rh = ratio
    if width * rh > height * rw:  # Too wide: full height.
        ch, cw = height, round(height * rw / rh)
    else:
        cw, ch = width, round(width * rh / rw)
    left = min(max(round(fx * width - cw / 2), 0), width - cw)
    top = min(max(round(fy * height - ch / 2), 0), height - ch)
    return left, top, left + cw, top + ch


@dataclass(frozen=True)
class Rendition:
    image: Image
    ratio: str
    width: int
    ext: str

    @property
    def height(self) -> int:
        left, top, right, bottom = self.box
        return max(1, round((bottom - top) * self.width / (right - left)))

    @property
    def box(self):
        return crop_box(
            self.image.width,
            self.image.height,
            RATIOS[self.ratio],
            self.image.focal_x,
            self.image.focal_y,
        )

    @property
    def url(self) -> str:
        image = self.image
        inputs = (image.file.name, image.focal_x, image.focal_y)
        cached = image.__dict__.get("_rendition_key")  # One hash per image, not per width.
        if cached is None or cached[0] != inputs:
            cached = image.__dict__["_rendition_key"] = (inputs, version_key(image))
        key = cached[1]
        return f"{url_prefix()}{self.image.pk}/{key}/{self.ratio}-w{self.width}.{self.ext}"

    @property
    def storage_path(self) -> Path:
        key = version_key(self.image)
        return (
            Path(settings.MEDIA_ROOT)
            / "renditions"
            / str(self.image.pk)
            / key
            / (f"{self.ratio}-w{self.width}.{self.ext}")
        )


def widths_for(image: Image, ratio: str) -> list[int]:
    """Allowed widths no wider than the (cropped) source, plus the source width itself."""
    left, _top, right, _bottom = crop_box(image.width, image.height, RATIOS[ratio], 0.5, 0.5)
    full = right - left
    widths = [w for w in WIDTHS if w < full]
    return [*widths, min(full, WIDTHS[-1])]


def renditions(image: Image, ratio: str = "orig", ext: str | None = None) -> list[Rendition]:
    ext = ext or source_format(image)
    return [Rendition(image, ratio, w, ext) for w in widths_for(image, ratio)]


def srcset(image: Image, ratio: str = "orig", ext: str | None = None) -> str:
    return ", ".join(f"{r.url} {r.width}w" for r in renditions(image, ratio, ext))


def structured_data_crops(image: Image) -> list[Rendition]:
    """16x9, 4x3 and 1x1 crops, at least 1200 px wide when the source allows."""
    crops = []
    for ratio in ("16x9", "4x3", "1x1"):
        widths = widths_for(image, ratio)
        wide = [w for w in widths if w >= STRUCTURED_DATA_WIDTH]
        crops.append(Rendition(image, ratio, wide[0] if wide else widths[-1], source_format(image)))
    return crops


def make(rendition: Rendition) -> Path:
    """Write the rendition's file if it is not there yet; return its path."""
    path = rendition.storage_path
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with rendition.image.file.open("rb") as source, PILImage.open(source) as img:
        img = ImageOps.exif_transpose(img)
        img = img.crop(rendition.box).resize(
            (rendition.width, rendition.height), PILImage.Resampling.LANCZOS
        )
        fmt = FORMATS[rendition.ext]
        if fmt == "JPEG" and img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        buffer = io.BytesIO()
        options = {"JPEG": {"quality": 82, "optimize": True, "progressive": True},
                   "WEBP": {"quality": 80, "method": 4},
                   "PNG": {"optimize": True}}[fmt]  # fmt: skip
        img.save(buffer, fmt, **options)
    # Write then rename: two first requests at once never leave a half-written file.
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
        tmp.write(buffer.getvalue())
    os.replace(tmp.name, path)
    return path


def serve(request, pk, key, ratio, width, ext):
    """The rendition's file, made on its first request. Unknown sizes and old keys are 404."""
    if ratio not in RATIOS or ext not in FORMATS:
        raise Http404("No such rendition.")
    image = get_object_or_404(Image, pk=pk)
    if width not in widths_for(image, ratio):
        raise Http404("No such rendition.")
    if key != version_key(image):
        # An address from before a new file or focal point (a CDN's copy of a page, a shared
        # card): send it to the current picture rather than break it.
        return HttpResponseRedirect(Rendition(image, ratio, width, ext).url)
    if (
        ext == "png"
        and source_format(image) != "png"
        or ext == "jpg"
        and source_format(image) != "jpg"
    ):
        raise Http404("No such rendition.")
    path = make(Rendition(image, ratio, width, ext))
    response = FileResponse(
        path.open("rb"), content_type=f"image/{'jpeg' if ext == 'jpg' else ext}"
    )
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response

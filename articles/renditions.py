"""Image renditions: resized and cropped copies, made once on the first request of their URL.

Pages only *name* renditions (the URL is computed from the image row already loaded, no query
and no image work); the first request of a URL makes the file and stores it, every later one
is a read from the media storage (or, on object storage, a redirect to it; or the CDN in front
answers). Files go through Django's storage API only, so renditions work the same on the local
disk and on S3-compatible storage. The allowlist of ratios and widths bounds what can be asked
for.
"""

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
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
    def storage_name(self) -> str:
        """Its name in the media storage (a path relative to MEDIA_ROOT on the local disk)."""
        key = version_key(self.image)
        return f"renditions/{self.image.pk}/{key}/{self.ratio}-w{self.width}.{self.ext}"

    @property
    def content_type(self) -> str:
        return f"image/{'jpeg' if self.ext == 'jpg' else self.ext}"


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


def render(rendition: Rendition) -> bytes:
    """The rendition's bytes, made from the original."""
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
    return buffer.getvalue()


def make(rendition: Rendition) -> bytes | None:
    """Store the rendition if it is not stored yet: its bytes when made now, None when it was
    already there. A file appears whole or not at all (object storage; MediaStorage on disk)."""
    name = rendition.storage_name
    if default_storage.exists(name):
        return None
    data = render(rendition)
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:
        # Another first request stored it meanwhile (storage gave this copy a new name).
        default_storage.delete(saved)
    return data


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
    rendition = Rendition(image, ratio, width, ext)
    data = make(rendition)
    if data is not None:
        response = FileResponse(io.BytesIO(data), content_type=rendition.content_type)
    elif settings.NEWSROOM_MEDIA_REDIRECT:
        # Object storage: the public URL is as permanent as this one (both carry the version).
        response = HttpResponsePermanentRedirect(default_storage.url(rendition.storage_name))
    else:
        response = FileResponse(
            default_storage.open(rendition.storage_name, "rb"),
            content_type=rendition.content_type,
        )
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response

"""Image upload validation shared by story images and author photos.

An upload is trusted only after Pillow has decoded it: the extension and the browser's content
type say nothing. The stored file gets the extension of the format Pillow found (a PNG sent as
"photo.gif" is accepted and stored as .png). A file that is a picture *and* a web page (HTML
or script in a comment, a metadata chunk or after the image data: a polyglot) is refused.
"""

import io
import re
import warnings
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from PIL import ImageOps

# Formats a browser can show; anything else (SVG, TIFF, PSD, ...) is refused.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
MIN_DIMENSION = 16
NOT_AN_IMAGE = "This file is not an image we can read (use JPEG, PNG, WebP or GIF)."
# Markup that only a web page holds. Each is "<" and five letters or longer, so random bytes
# (compressed picture data) match by chance about once in 10^13: one 15 MB photo in a million.
_MARKUP = re.compile(
    rb"<(?:script|iframe|object|embed|applet)|(?:java|vb)script:"
    rb"|\bon(?:error|load|click|mouseover|focus|begin|toggle|animationstart)\s*=",
    re.IGNORECASE,
)
_CHUNK = 1024 * 1024
ORIENTATION = 0x0112  # The EXIF tag phones use instead of rotating the pixels.


def inspect_image(file) -> tuple[str, int, int]:
    """Decode ``file`` fully and return (format, width, height), or raise ValidationError."""
    max_bytes = settings.NEWSROOM_IMAGE_MAX_BYTES
    max_pixels = settings.NEWSROOM_IMAGE_MAX_PIXELS
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            "This file is %(size)s MB; the limit is %(limit)s MB.",
            code="too_large",
            params={"size": round(size / 1024 / 1024, 1), "limit": max_bytes // 1024 // 1024},
        )
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(file) as img:
                fmt, (width, height) = img.format, img.size
                max_side = settings.NEWSROOM_IMAGE_MAX_SIDE
                if max(width, height) > max_side:
                    raise ValidationError(
                        "This image is %(w)s × %(h)s pixels; no side may be longer than "
                        "%(max)s pixels.",
                        code="too_wide",
                        params={"w": width, "h": height, "max": max_side},
                    )
                if width * height > max_pixels:
                    raise ValidationError(
                        "This image is %(w)s × %(h)s pixels, more than the %(mp)s megapixel limit.",
                        code="too_many_pixels",
                        params={"w": width, "h": height, "mp": max_pixels // 1_000_000},
                    )
                img.verify()  # Structural check of the whole file, not just the header.
            file.seek(0)
            with PILImage.open(file) as img:
                img.load()  # verify() does not decode pixel data; a truncated file fails here.
    except ValidationError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise ValidationError("This image is too large to process.", code="bomb") from exc
    except Exception as exc:  # Pillow raises many types for corrupt data.
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from exc
    finally:
        file.seek(0)
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(
            "%(fmt)s images are not accepted; use JPEG, PNG, WebP or GIF.",
            code="format",
            params={"fmt": fmt},
        )
    if width < MIN_DIMENSION or height < MIN_DIMENSION:
        raise ValidationError("This image is too small to use.", code="too_small")
    if _contains_markup(file):
        raise ValidationError(
            "This file holds web page code (HTML or script) as well as a picture, so it is "
            "refused. Save the picture again as a new JPEG or PNG and upload that.",
            code="markup",
        )
    return fmt, width, height


def _contains_markup(file) -> bool:
    """Whether the upload's bytes hold HTML or script anywhere, read in overlapping chunks."""
    file.seek(0)
    tail = b""
    while chunk := file.read(_CHUNK):
        if _MARKUP.search(tail + chunk):
            file.seek(0)
            return True
        tail = chunk[-32:]
    file.seek(0)
    return False


class ImageUploadField(forms.ImageField):
    """The admin's upload field: this module's checks, with their specific messages (too big,
    too many pixels, a bomb, a polyglot...), run before Django's own "is it an image" check,
    which would answer every one of them with the same vague error."""

    default_error_messages = {
        "invalid_image": NOT_AN_IMAGE,
        "empty": "This file is empty (0 bytes): choose the picture again.",
    }

    def to_python(self, data):
        if data not in self.empty_values and getattr(data, "size", 0):
            inspect_image(data)
        return super().to_python(data)


def validate_image_file(file) -> None:
    """Model field validator: refuse anything that is not a real, reasonably sized image."""
    if file is None or getattr(file, "_committed", False):
        return  # Already stored and validated when it was uploaded.
    inspect_image(file)


def normalise_image_name(file) -> None:
    """Give an upload the extension of the format it really is (never trust the client's), and
    turn a photo the camera stored sideways (EXIF orientation) upright, so its width, height
    and every crop describe the picture people see."""
    if file is None or getattr(file, "_committed", True):
        return
    fmt, _w, _h = inspect_image(file)
    # Only letters, digits, "-" and "_" from the client's name: "x.php.jpg" cannot come out
    # as "x.php.png" for a web server that goes by the first extension.
    stem = re.sub(r"[^\w-]+", "-", PurePath(file.name).stem).strip("-_") or "image"
    name = f"{stem[:80]}.{ALLOWED_FORMATS[fmt]}"
    upright = _upright(file, fmt)
    if upright is not None:
        file.file = ContentFile(upright, name=name)
    file.name = name


def _upright(file, fmt) -> bytes | None:
    """The picture's bytes turned upright, or None when it already is."""
    file.seek(0)
    with PILImage.open(file) as img:
        if img.getexif().get(ORIENTATION, 1) in (0, 1):
            file.seek(0)
            return None
        turned = ImageOps.exif_transpose(img)
        buffer = io.BytesIO()
        options = {"quality": 92} if fmt in ("JPEG", "WEBP") else {}
        if img.info.get("icc_profile"):
            options["icc_profile"] = img.info["icc_profile"]
        turned.save(buffer, fmt, **options)
    file.seek(0)
    return buffer.getvalue()

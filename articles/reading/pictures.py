"""Responsive pictures: the markup every page uses for a stored image."""

from django.utils.html import format_html

from articles import renditions


def picture(image, ratio="orig", sizes="100vw", alt="", lazy=True, priority=False):
    """A responsive <picture>: WebP and the original format at several widths, with width and
    height set (no layout shift). Only names renditions; they are made on first request."""
    fallback = renditions.renditions(image, ratio)
    default = next((r for r in fallback if r.width >= 960), fallback[-1])
    attributes = (' loading="lazy"' if lazy else "") + (' fetchpriority="high"' if priority else "")
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}">'
        '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" decoding="async"'
        + attributes
        + "></picture>",
        renditions.srcset(image, ratio, "webp"),
        sizes,
        default.url,
        renditions.srcset(image, ratio),
        sizes,
        default.width,
        default.height,
        alt,
    )

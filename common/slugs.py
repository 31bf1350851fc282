from django.utils.text import slugify


def unique_slug(text: str, model, pk=None, *, max_length: int) -> str:
    """A slug from ``text`` that no other row of ``model`` uses (``-2``, ``-3``... appended)."""
    base = slugify(text)[: max_length - 6].strip("-") or "item"
    taken = set(
        model._default_manager.filter(slug__startswith=base)
        .exclude(pk=pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug

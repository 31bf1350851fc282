"""Times as people read them: in the newsroom's zone (``TIME_ZONE``), in the one format the site
and the admin share (``DATETIME_FORMAT``, newsroom/formats: "5 Dec 2026, 06:30 GMT")."""

import re

from django.utils import formats, timezone

ZONE = re.compile(r"(?<!\\)T")


def shown(moment, format_name: str = "DATETIME_FORMAT") -> str:
    """``moment`` (an aware datetime) as a message or a label shows it.

    The zone is named even in the hour the clocks go back, which happens twice ("01:30 BST",
    then "01:30 GMT"): Django's ``T`` leaves an ambiguous time's zone out, the one time it
    matters most."""
    local = timezone.localtime(moment)
    zone = "".join(f"\\{char}" for char in local.tzname() or "")
    return formats.date_format(local, ZONE.sub(lambda _: zone, formats.get_format(format_name)))

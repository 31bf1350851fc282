"""The newsroom's date and time formats (``FORMAT_MODULE_PATH``): the admin shows times as the
reader site does, 24-hour with the newsroom's zone ("5 Dec 2026, 06:30 GMT"), not Django's
English default ("5 Dec 2026, 6:30 p.m.", zone unsaid). Formats not given here (input formats,
month names) are Django's for the language."""

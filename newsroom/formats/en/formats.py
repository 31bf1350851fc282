# English (British and American alike: "en_GB" falls back to "en" before Django's own): what
# the admin's lists, read-only fields and history print, and {{ value|date }} without a format.
# The zone (T) is the newsroom's (TIME_ZONE), in which every time is shown: GMT or BST.
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i T"
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"

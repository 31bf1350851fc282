"""Two-factor login for staff: an authenticator app (TOTP) plus one-use backup codes.

A person is *enrolled* once they have a confirmed authenticator device; from then on every
admin session of theirs must be verified with a code (at login, or on the two-factor page for a
session that started before they enrolled). With ``NEWSROOM_REQUIRE_2FA`` on, editors and
superusers must enrol before they can use the admin at all. Devices and codes are django-otp's
models; this module is the newsroom's policy on top of them.
"""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


def is_enrolled(user) -> bool:
    """Has a confirmed authenticator app: their logins and sessions need a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_required(user) -> bool:
    """Whether the newsroom makes two-factor login compulsory for this person."""
    if not settings.NEWSROOM_REQUIRE_2FA:
        return False
    return user.is_superuser or user.groups.filter(name__in=settings.NEWSROOM_2FA_GROUPS).exists()


def needs_verification(user) -> bool:
    """Signed in with a password only, but must give a code before using the admin."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_verified():
        return False
    return is_enrolled(user) or is_required(user)


def verify_code(user, code: str):
    """Check a code from the user's authenticator app (six digits) or one of their backup codes.

    Returns ``(device, None)`` on success (a backup code is used up), or ``(None, message)``.
    Each device throttles its own failures (waits of 1, 2, 4... seconds) on top of axes.
    """
    code = "".join((code or "").split()).lower()
    if not code:
        return None, "Enter the 6-digit code from your authenticator app, or a backup code."
    model = TOTPDevice if (len(code) == 6 and code.isdigit()) else StaticDevice
    with transaction.atomic():
        devices = model.objects.devices_for_user(user, confirmed=True).select_for_update()
        for device in devices:
            allowed, extra = device.verify_is_allowed()
            if not allowed:
                return None, throttled_message(extra)
            if device.verify_token(code):
                return device, None
    return None, "That code is not right. Check your authenticator app and try again."


def same_work_as_a_code_check(username: str, code: str) -> None:
    """For a login whose password was wrong: the reads checking a code makes (the person's
    devices, locked as the check locks them), so that how long a refusal takes does not say
    whether the password was right. Nothing is verified, counted or changed."""
    code = "".join((code or "").split()).lower()
    owner = {f"user__{get_user_model().USERNAME_FIELD}": username}
    TOTPDevice.objects.filter(confirmed=True, **owner).exists()
    if not code:
        return
    model = TOTPDevice if (len(code) == 6 and code.isdigit()) else StaticDevice
    with transaction.atomic():
        devices = list(model.objects.filter(confirmed=True, **owner).select_for_update())
        if model is StaticDevice:
            StaticToken.objects.filter(device__in=devices, token=code).first()


def throttled_message(extra) -> str:
    until = (extra or {}).get("locked_until")
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else None
    wait = f"{seconds} seconds" if seconds and seconds > 1 else "a moment"
    # After one miss the wait is a second: say so plainly, not as if the account were locked.
    if (extra or {}).get("failure_count", 0) <= 1:
        return f"The last code was not right. Wait {wait} before the next try."
    return f"Too many wrong codes in a row. Wait {wait} and try again."


def record_failed_login(request, username: str) -> None:
    """A wrong or missing second factor counts toward django-axes' lockout like a bad password."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def enrolment_device(user) -> TOTPDevice:
    """The authenticator the person is setting up (kept while unconfirmed, so the QR code
    does not change if they reload the page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def confirm_enrolment(request, device: TOTPDevice) -> list[str]:
    """Make ``device`` the person's authenticator, mark this session verified, and return a
    fresh set of backup codes (to be shown once)."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        codes = new_backup_codes(device.user)
    otp_login(request, device)
    return codes


def new_backup_codes(user) -> list[str]:
    """Replace the person's backup codes with ``BACKUP_CODE_COUNT`` new ones."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def turn_off(request) -> None:
    user = request.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    user.otp_device = None


def secret_for_typing(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code, drawn here (no external service), as a
    ``data:`` URI for an ``<img>``: nothing is marked safe, the template escapes it as usual."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_data_uri(scale=5, border=4, dark="#000000", light="#ffffff")

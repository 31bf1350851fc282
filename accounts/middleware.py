from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from . import two_factor


class TwoFactorMiddleware:
    """Keeps staff who still owe a second factor out of the admin until they give it.

    Applies to admin addresses only. A signed-in staff member who is enrolled but whose session
    is not verified, or who must use two-factor login (``NEWSROOM_REQUIRE_2FA``: editors and
    superusers) and is not enrolled yet, reaches only the two-factor page, login and logout;
    every other admin address (GET or POST) redirects to the two-factor page. Needs
    django-otp's OTPMiddleware before it (``request.user.is_verified``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin_root = reverse("admin:index")
        if request.path.startswith(admin_root) and request.user.is_authenticated:
            allowed = {reverse("two-factor"), reverse("admin:login"), reverse("admin:logout")}
            if request.path not in allowed and two_factor.needs_verification(request.user):
                target = reverse("two-factor")
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)

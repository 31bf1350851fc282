from csp.decorators import csp_update
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from . import two_factor
from .forms import CodeForm, ConfirmDeviceForm


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


@require_http_methods(["GET", "POST"])
# The QR code is an <img> whose picture is in its address (data:, made here): the policy
# allows such images on this page only.
@csp_update({"img-src": ["data:"]})
def two_factor_page(request):
    """Set up, verify, or manage the signed-in person's own two-factor login.

    Only ever touches ``request.user``'s devices (no device id is taken from the request).
    Which form is offered depends on where they are:

    - enrolled, session not yet verified: enter a code (a session from before enrolment, or the
      required-2FA redirect);
    - not enrolled: scan the QR code (or type the key), confirm with a code, see backup codes;
    - enrolled and verified: new backup codes, or turn two-factor login off (both need a code).
    """
    user = request.user
    enrolled = two_factor.is_enrolled(user)
    verified = user.is_verified()
    action = request.POST.get("action") if request.method == "POST" else None
    context = {
        **admin.site.each_context(request),
        "title": "Two-factor login",
        "enrolled": enrolled,
        "verified": verified,
        "required": two_factor.is_required(user),
        "next": _next_url(request),
    }

    if enrolled and not verified:
        form = CodeForm(request.POST if action == "verify" else None, user=user)
        if action == "verify":
            if form.is_valid():
                two_factor.otp_login(request, form.device)
                messages.success(request, "Two-factor login verified for this session.")
                return redirect(context["next"])
            two_factor.record_failed_login(request, user.get_username())
        return TemplateResponse(
            request, "admin/two_factor.html", {**context, "state": "verify", "form": form}
        )

    if not enrolled:
        device = two_factor.enrolment_device(user)
        form = ConfirmDeviceForm(request.POST if action == "confirm" else None, device=device)
        if action == "confirm" and form.is_valid():
            codes = two_factor.confirm_enrolment(request, device)
            return TemplateResponse(
                request,
                "admin/two_factor.html",
                {**context, "state": "codes", "codes": codes, "enrolled": True, "new": True},
            )
        return TemplateResponse(
            request,
            "admin/two_factor.html",
            {
                **context,
                "state": "enrol",
                "form": form,
                "qr_code": two_factor.qr_code_data_uri(device),
                "secret": two_factor.secret_for_typing(device),
            },
        )

    # Enrolled and verified: manage.
    # Two forms on one page: their own ids.
    codes_form = CodeForm(
        request.POST if action == "backup-codes" else None, user=user, auto_id="backup_%s"
    )
    off_form = CodeForm(request.POST if action == "turn-off" else None, user=user, auto_id="off_%s")
    if action == "backup-codes" and codes_form.is_valid():
        codes = two_factor.new_backup_codes(user)
        return TemplateResponse(
            request, "admin/two_factor.html", {**context, "state": "codes", "codes": codes}
        )
    if action == "turn-off" and off_form.is_valid():
        two_factor.turn_off(request)
        messages.success(request, "Two-factor login is off. Your backup codes no longer work.")
        return redirect("two-factor")
    return TemplateResponse(
        request,
        "admin/two_factor.html",
        {**context, "state": "manage", "codes_form": codes_form, "off_form": off_form},
    )

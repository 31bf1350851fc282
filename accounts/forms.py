from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm

from . import two_factor


class CodeInput(forms.TextInput):
    """A one-time code is never typed back into the page it was refused on (like a password):
    it was used up or wrong, and the page then differs by nothing from any other refusal."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


def code_field(label="Code", help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        max_length=32,
        help_text=help_text,
        widget=CodeInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class AdminLoginForm(AdminAuthenticationForm):
    """The admin login: username and password, then, for anyone enrolled in two-factor login,
    a code from their authenticator app or a backup code.

    The password is checked first (by ``authenticate``, where django-axes counts failures and
    refuses locked-out clients); a missing or wrong code is then recorded as a failed login
    too, so guessing codes locks out just like guessing passwords.

    A wrong password and a right password with a missing, wrong or throttled code give the
    same page: one message, no field error, same status. Anything else would tell someone
    guessing that the password was right (and that the account uses two-factor login).
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": "Please enter the correct %(username)s and password for a staff "
        "account, and the two-factor code if you have turned two-factor login on. Note that "
        "both fields may be case-sensitive.",
    }

    otp_token = code_field(
        label="Two-factor code",
        help_text="Only if you have turned on two-factor login: the 6-digit code from your "
        "authenticator app, or a backup code.",
    )

    def clean(self):
        try:
            cleaned_data = super().clean()
        except forms.ValidationError:
            if self.cleaned_data.get("username"):
                two_factor.same_work_as_a_code_check(
                    self.cleaned_data["username"], self.cleaned_data.get("otp_token", "")
                )
            raise
        user = self.get_user()
        if user is not None and two_factor.is_enrolled(user):
            device, _error = two_factor.verify_code(user, cleaned_data.get("otp_token", ""))
            if device is None:
                two_factor.record_failed_login(self.request, cleaned_data.get("username", ""))
                self.user_cache = None
                # The wrong password's error, word for word (its message, code and params).
                raise self.get_invalid_login_error()
            # django-otp's user_logged_in handler records the device in the session.
            user.otp_device = device
        return cleaned_data


class CodeForm(forms.Form):
    """A current code, to prove the person holds the device (verify, turn off, new backup codes)."""

    code = code_field(label="Code from your authenticator app, or a backup code")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_code(self):
        self.device, error = two_factor.verify_code(self.user, self.cleaned_data["code"])
        if self.device is None:
            raise forms.ValidationError(error)
        return self.cleaned_data["code"]


class ConfirmDeviceForm(forms.Form):
    """The first code from a newly scanned authenticator: proves the app was set up right."""

    code = forms.CharField(
        label="6-digit code from the app",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        allowed, extra = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(two_factor.throttled_message(extra))
        if not (len(code) == 6 and code.isdigit() and self.device.verify_token(code)):
            raise forms.ValidationError(
                "That code does not match. Check that the time on your phone is right, then "
                "enter the code the app shows now."
            )
        return code

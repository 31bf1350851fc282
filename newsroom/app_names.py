"""Readable admin names for the third-party apps Newsroom uses, in place of their labels
("AXES", "OTP_STATIC", "OTP_TOTP", "Taggit"): the same apps (the same labels, tables and
migrations), named in ``INSTALLED_APPS`` by these classes."""

from axes.apps import AppConfig as AxesConfig
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig
from taggit.apps import TaggitAppConfig


class LoginLockoutsConfig(AxesConfig):
    verbose_name = "Login lockouts"


class AuthenticatorAppsConfig(TOTPConfig):
    verbose_name = "Two-factor: authenticator apps"


class BackupCodesConfig(StaticConfig):
    verbose_name = "Two-factor: backup codes"


class TagsConfig(TaggitAppConfig):
    verbose_name = "Tags"

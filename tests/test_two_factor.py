"""Two-factor login for staff: enrol from the admin, codes at login, backup codes, the
required-for-editors setting, and how wrong codes feed the login lockout."""

import re
from base64 import b32decode
from datetime import UTC, datetime, timedelta

import time_machine
from axes.models import AccessAttempt
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import secret_for_typing
from articles.models import Section
from tests.factories import make_section, make_user

PAGE = "/admin/two-factor/"
PASSWORD = "pw-123456789"
# The one message a wrong password and a right password with a wrong code both give.
REFUSED = "Please enter the correct username and password for a staff account, and the two-factor"
T0 = datetime(2026, 11, 25, 9, 0, 0, tzinfo=UTC)


def code_for(device):
    """The code the person's phone shows (now, by the test's frozen clock)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def page_without_tokens(response) -> str:
    """The page as a person sees it: the per-response CSRF token and CSP nonce blanked."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', page)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', page)


def enrol(user, confirmed=True):
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)
    backup = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    for token in ["alpha234", "bravo567"]:
        StaticToken.objects.create(device=backup, token=token)
    return device


class TwoFactorTestCase(TestCase):
    def setUp(self):
        self.clock = time_machine.travel(T0, tick=False)
        self.traveller = self.clock.start()
        self.addCleanup(self.clock.stop)

    def next_window(self):
        """30 s later: the app shows a new code (a code is accepted once only)."""
        self.traveller.shift(timedelta(seconds=30))

    def login(self, username, password=PASSWORD, code=None, ip="203.0.113.7"):
        data = {"username": username, "password": password}
        if code is not None:
            data["otp_token"] = code
        return self.client.post("/admin/login/?next=/admin/", data, REMOTE_ADDR=ip)

    def login_verified(self, user, device):
        """A session that signed in with a code (force_login skips the login form)."""
        self.client.force_login(user)
        session = self.client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    def assertSignedIn(self, user):
        self.assertEqual(self.client.session.get("_auth_user_id"), str(user.pk))

    def assertNotSignedIn(self):
        self.assertNotIn("_auth_user_id", self.client.session)


class EnrolmentTests(TwoFactorTestCase):
    def test_a_writer_enrols_with_the_key_shown_and_gets_backup_codes_once(self):
        writer = make_user("reporter", role="Writer")
        self.client.force_login(writer)

        index = self.client.get("/admin/")
        self.assertContains(index, f'<a href="{PAGE}">Two-factor login</a>', html=True)

        page = self.client.get(PAGE)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, '<img src="data:image/svg+xml')
        secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page.content.decode())
        self.assertIsNotNone(secret)
        key = b32decode(secret.group(1).replace(" ", ""))
        device = TOTPDevice.objects.get(user=writer)
        self.assertFalse(device.confirmed)
        self.assertEqual(device.bin_key, key)
        # Reloading keeps the same key (the person may not have scanned it yet).
        self.assertContains(self.client.get(PAGE), secret.group(1))

        wrong = self.client.post(PAGE, {"action": "confirm", "code": "000000"})
        self.assertContains(wrong, "That code does not match")
        self.assertFalse(TOTPDevice.objects.get(pk=device.pk).confirmed)
        self.assertFalse(StaticDevice.objects.filter(user=writer).exists())

        self.traveller.shift(timedelta(seconds=2))  # past the one-second wait after a miss
        phone_code = f"{totp(key):06d}"
        done = self.client.post(PAGE, {"action": "confirm", "code": phone_code})
        self.assertContains(done, "Two-factor login is on.")
        self.assertContains(done, "they will not be shown")
        shown = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
        self.assertEqual(len(shown), 10)
        stored = StaticToken.objects.filter(device__user=writer).values_list("token", flat=True)
        self.assertEqual(sorted(shown), sorted(stored))
        self.assertTrue(TOTPDevice.objects.get(pk=device.pk).confirmed)
        self.assertEqual(self.client.session[DEVICE_ID_SESSION_KEY], device.persistent_id)

        # This session is verified: the admin works; the codes are never shown again.
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        again = self.client.get(PAGE)
        self.assertContains(again, "Make new backup codes")
        for code in shown:
            self.assertNotContains(again, code)

    def test_the_qr_code_is_drawn_locally_and_nothing_from_the_username_lands_in_the_markup(self):
        user = make_user('x"><script>alert(1)</script>', role="Writer")
        self.client.force_login(user)
        page = self.client.get(PAGE)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "<script>alert(1)</script>")
        src = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', page.content.decode())
        self.assertIsNotNone(src)
        self.assertNotIn("http", src.group(1).split(",", 1)[0])  # no external service

    def test_confirming_a_code_only_ever_touches_your_own_device(self):
        alice = make_user("alice", role="Writer")
        bob = make_user("bob", role="Writer")
        self.client.force_login(alice)
        self.client.get(PAGE)
        alice_device = TOTPDevice.objects.get(user=alice)

        self.client.force_login(bob)
        bob_page = self.client.get(PAGE)
        bob_device = TOTPDevice.objects.get(user=bob)
        self.assertNotEqual(alice_device.key, bob_device.key)
        self.assertNotContains(bob_page, secret_for_typing(alice_device))

        # Bob sends Alice's current code, and even names her device: nothing is confirmed.
        response = self.client.post(
            PAGE,
            {"action": "confirm", "code": code_for(alice_device), "device": alice_device.pk},
        )
        self.assertContains(response, "That code does not match")
        self.assertFalse(TOTPDevice.objects.filter(confirmed=True).exists())

    def test_someone_not_on_the_staff_cannot_open_the_page(self):
        self.assertRedirects(self.client.get(PAGE), f"/admin/login/?next={PAGE}")
        self.client.force_login(make_user("reader", staff=False))
        response = self.client.get(PAGE)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/login/"))
        self.assertFalse(TOTPDevice.objects.exists())

    def test_device_admin_is_for_superusers_and_never_shows_the_secret(self):
        editor = make_user("desk", role="Editor")
        device = enrol(editor)
        self.login_verified(editor, device)
        self.assertEqual(self.client.get("/admin/otp_totp/totpdevice/").status_code, 403)

        boss = make_user("boss", superuser=True)
        self.login_verified(boss, enrol(boss))
        change = self.client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
        self.assertEqual(change.status_code, 200)
        self.assertNotContains(change, device.key)
        self.assertNotContains(change, secret_for_typing(device))
        codes = self.client.get(
            f"/admin/otp_static/staticdevice/{StaticDevice.objects.get(user=editor).pk}/change/"
        )
        self.assertNotContains(codes, "alpha234")


class LoginTests(TwoFactorTestCase):
    def setUp(self):
        super().setUp()
        self.user = make_user("reporter", role="Writer")
        self.device = enrol(self.user)

    def test_the_login_page_asks_for_the_code(self):
        page = self.client.get("/admin/login/")
        self.assertContains(page, "Two-factor code")
        self.assertContains(page, 'autocomplete="one-time-code"')

    def test_without_two_factor_a_password_is_enough(self):
        make_user("columnist", role="Writer")
        self.assertRedirects(self.login("columnist"), "/admin/", fetch_redirect_response=False)

    def test_an_enrolled_person_needs_a_code(self):
        missing = self.login("reporter")
        self.assertContains(missing, REFUSED)
        self.assertNotSignedIn()

        wrong = self.login("reporter", code="123456" if code_for(self.device) != "123456" else "1")
        self.assertContains(wrong, REFUSED)
        self.assertNotSignedIn()

        self.traveller.shift(timedelta(seconds=2))
        good = self.login("reporter", code=code_for(self.device))
        self.assertRedirects(good, "/admin/", fetch_redirect_response=False)
        self.assertSignedIn(self.user)
        self.assertEqual(self.client.session[DEVICE_ID_SESSION_KEY], self.device.persistent_id)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_a_wrong_password_with_a_good_code_is_still_refused(self):
        response = self.login("reporter", password="wrong", code=code_for(self.device))
        self.assertContains(response, "Please enter the correct username and password")
        self.assertNotSignedIn()

    def test_a_code_is_accepted_once(self):
        code = code_for(self.device)
        self.assertEqual(self.login("reporter", code=code).status_code, 302)
        self.client.post("/admin/logout/")
        replay = self.login("reporter", code=code)
        self.assertContains(replay, REFUSED)
        self.assertNotSignedIn()

    def test_codes_in_a_row_after_a_miss_wait_a_moment(self):
        self.login("reporter", code="000000" if code_for(self.device) != "000000" else "111111")
        rushed = self.login("reporter", code=code_for(self.device))
        # Refused like any wrong code: a "wait" here would say the password was right.
        self.assertContains(rushed, REFUSED)
        self.assertNotContains(rushed, "Wait ")
        self.assertNotSignedIn()
        self.traveller.shift(timedelta(seconds=2))
        later = self.login("reporter", code=code_for(self.device))
        self.assertRedirects(later, "/admin/", fetch_redirect_response=False)

    @override_settings(AXES_FAILURE_LIMIT=20)
    def test_a_right_password_with_a_bad_code_looks_exactly_like_a_wrong_password(self):
        """Nothing on the page (status, message, form, field errors) tells someone guessing
        passwords that they got one right, or that the account uses two-factor login."""
        other = "000000" if code_for(self.device) != "000000" else "111111"
        cases = {
            "wrong code": other,
            "code refused while throttled after a miss": code_for(self.device),
            "backup code that does not exist": "zulu9999",
            "no code": "",
            "hostile code": "\x00" + "9" * 40,
        }
        for case, code in cases.items():
            with self.subTest(case):
                right = self.login("reporter", code=code)
                wrong = self.login("reporter", password="wrong", code=code)
                self.assertEqual(right.status_code, 200)
                self.assertEqual(wrong.status_code, 200)
                self.assertContains(wrong, REFUSED)
                self.assertEqual(page_without_tokens(right), page_without_tokens(wrong))
                self.assertNotIn(code or "no code", page_without_tokens(right))
                self.assertNotSignedIn()
        # Each counted as a failed login.
        self.assertEqual(AccessAttempt.objects.get(username="reporter").failures_since_start, 10)

    @override_settings(AXES_FAILURE_LIMIT=20)
    def test_a_wrong_password_reads_what_a_code_check_reads(self):
        """The time a refusal takes should not tell a right password from a wrong one: a wrong
        password makes the same reads of the two-factor tables a wrong code does (only the
        device's own throttle count is not written)."""

        def otp_reads(**login):
            with CaptureQueriesContext(connection) as queries:
                self.assertContains(self.login("reporter", **login), REFUSED)
            return [
                query["sql"].split(" WHERE ")[0]
                for query in queries.captured_queries
                if query["sql"].startswith("SELECT") and '"otp_' in query["sql"]
            ]

        for code in ["000000" if code_for(self.device) != "000000" else "111111", "zulu9999", ""]:
            with self.subTest(code=code):
                right = otp_reads(code=code)
                wrong = otp_reads(password="wrong", code=code)
                self.assertEqual(len(wrong), len(right), (wrong, right))
                self.assertTrue(right)

    def test_a_backup_code_works_once(self):
        ok = self.login("reporter", code="ALPHA 234")
        self.assertRedirects(ok, "/admin/", fetch_redirect_response=False)
        self.assertSignedIn(self.user)
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        self.assertEqual(
            list(
                StaticToken.objects.filter(device__user=self.user).values_list("token", flat=True)
            ),
            ["bravo567"],
        )
        self.client.post("/admin/logout/")
        self.traveller.shift(timedelta(seconds=5))
        again = self.login("reporter", code="alpha234")
        self.assertContains(again, REFUSED)
        self.assertNotSignedIn()

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_wrong_and_missing_codes_count_toward_the_lockout(self):
        with self.assertLogs("axes", level="WARNING"):
            self.assertEqual(self.login("reporter").status_code, 200)
            self.traveller.shift(timedelta(seconds=5))
            self.assertEqual(self.login("reporter", code="999999x").status_code, 200)
            self.traveller.shift(timedelta(seconds=5))
            third = self.login("reporter", code="0000000")
        self.assertContains(third, "Too many failed sign-ins", status_code=429)
        attempt = AccessAttempt.objects.get(username="reporter")
        self.assertEqual(attempt.failures_since_start, 3)
        self.assertNotIn("0000000", attempt.post_data)  # codes are never stored
        self.traveller.shift(timedelta(seconds=5))
        locked = self.login("reporter", code=code_for(self.device))  # even everything right
        self.assertEqual(locked.status_code, 429)
        self.assertNotSignedIn()

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_a_good_code_resets_the_count(self):
        for _ in range(2):
            self.login("reporter", code="zzzzzzzz")
            self.traveller.shift(timedelta(seconds=5))
        self.assertEqual(self.login("reporter", code=code_for(self.device)).status_code, 302)
        self.client.post("/admin/logout/")
        self.assertFalse(AccessAttempt.objects.filter(username="reporter").exists())

    def test_hostile_codes_are_form_errors(self):
        codes = ["\x00123456", "9" * 500, "１２３４５６", "'; drop table--", "²²²²²²"]
        for n, code in enumerate(codes):  # from several addresses: five would lock out
            response = self.login("reporter", code=code, ip=f"198.51.100.{n}")
            self.assertEqual(response.status_code, 200, repr(code))
            self.assertNotSignedIn()
            self.traveller.shift(timedelta(minutes=10))
        self.client.force_login(self.user)
        for code in ["\x00123456", "9" * 500]:
            response = self.client.post(PAGE, {"action": "verify", "code": code})
            self.assertEqual(response.status_code, 200, repr(code))

    def test_a_session_from_before_enrolment_must_give_a_code(self):
        self.client.force_login(self.user)  # signed in with a password only
        response = self.client.get("/admin/articles/article/")
        self.assertRedirects(
            response, f"{PAGE}?next=/admin/articles/article/", fetch_redirect_response=False
        )
        page = self.client.get(PAGE)
        self.assertContains(page, "Enter the code your authenticator app shows now")
        self.assertNotContains(page, "Make new backup codes")

        wrong = self.client.post(PAGE, {"action": "verify", "code": "bogus999"})
        self.assertContains(wrong, "That code is not right")
        self.assertEqual(AccessAttempt.objects.get(username="reporter").failures_since_start, 1)

        self.traveller.shift(timedelta(seconds=5))
        done = self.client.post(
            PAGE, {"action": "verify", "code": "bravo567", "next": "/admin/articles/article/"}
        )
        self.assertRedirects(done, "/admin/articles/article/")

    def test_verify_never_redirects_off_site(self):
        self.client.force_login(self.user)
        done = self.client.post(
            PAGE, {"action": "verify", "code": "bravo567", "next": "https://evil.example/"}
        )
        self.assertRedirects(done, "/admin/")


class ManageTests(TwoFactorTestCase):
    def setUp(self):
        super().setUp()
        self.user = make_user("reporter", role="Writer")
        self.device = enrol(self.user)
        self.login_verified(self.user, self.device)

    def test_turning_it_off_needs_a_current_code(self):
        for code in ["", "12345a", "nottoken"]:
            response = self.client.post(PAGE, {"action": "turn-off", "code": code})
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "errorlist")
            self.traveller.shift(timedelta(seconds=60))
        self.assertTrue(TOTPDevice.objects.filter(user=self.user).exists())

        off = self.client.post(PAGE, {"action": "turn-off", "code": code_for(self.device)})
        self.assertRedirects(off, PAGE, fetch_redirect_response=False)
        self.assertFalse(TOTPDevice.objects.filter(user=self.user, confirmed=True).exists())
        self.assertFalse(StaticDevice.objects.filter(user=self.user).exists())
        self.assertContains(self.client.get(PAGE), "Two-factor login is off.")

        self.client.post("/admin/logout/")
        self.assertEqual(self.login("reporter").status_code, 302)  # password alone again

    def test_new_backup_codes_replace_the_old_ones(self):
        refused = self.client.post(PAGE, {"action": "backup-codes", "code": "000000x"})
        self.assertContains(refused, "That code is not right")
        self.assertEqual(StaticToken.objects.filter(device__user=self.user).count(), 2)

        self.traveller.shift(timedelta(seconds=5))
        made = self.client.post(PAGE, {"action": "backup-codes", "code": code_for(self.device)})
        shown = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", made.content.decode())
        self.assertEqual(len(shown), 10)
        tokens = set(
            StaticToken.objects.filter(device__user=self.user).values_list("token", flat=True)
        )
        self.assertEqual(tokens, set(shown))
        self.assertNotIn("alpha234", tokens)

        self.client.post("/admin/logout/")
        self.assertContains(self.login("reporter", code="alpha234"), REFUSED)
        self.traveller.shift(timedelta(seconds=5))
        self.assertEqual(self.login("reporter", code=shown[0]).status_code, 302)


class RequiredTwoFactorTests(TwoFactorTestCase):
    def test_off_by_default_editors_and_superusers_use_the_admin_without_it(self):
        for user in [make_user("desk", role="Editor"), make_user("boss", superuser=True)]:
            self.client.force_login(user)
            self.assertEqual(self.client.get("/admin/").status_code, 200)

    @override_settings(NEWSROOM_REQUIRE_2FA=True)
    def test_editors_and_superusers_reach_only_enrolment_until_they_enrol(self):
        section = make_section("World")
        for user in [make_user("desk", role="Editor"), make_user("boss", superuser=True)]:
            self.client.force_login(user)
            index = self.client.get("/admin/")
            self.assertRedirects(index, f"{PAGE}?next=/admin/", fetch_redirect_response=False)
            for url in [
                "/admin/articles/article/",
                "/admin/articles/article/add/",
                f"/admin/articles/section/{section.pk}/change/",
                "/admin/password_change/",
                "/admin/auth/user/",
            ]:
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302, url)
                self.assertTrue(response["Location"].startswith(PAGE), url)
            # A crafted POST changes nothing either.
            post = self.client.post(
                f"/admin/articles/section/{section.pk}/change/",
                {"name": "Hacked", "slug": "world", "position": 1},
            )
            self.assertRedirects(post, PAGE, fetch_redirect_response=False)
            self.assertEqual(Section.objects.get(pk=section.pk).name, "World")

            page = self.client.get(PAGE)
            self.assertContains(page, "Two-factor login is required for your account")
            self.assertContains(page, 'id="logout-form"')
            logout = self.client.post("/admin/logout/")
            self.assertEqual(logout.status_code, 200)
            self.assertNotSignedIn()

    @override_settings(NEWSROOM_REQUIRE_2FA=True)
    def test_writers_and_contributors_are_not_forced(self):
        for role in ["Writer", "Contributor"]:
            self.client.force_login(make_user(role.lower(), role=role))
            self.assertEqual(self.client.get("/admin/").status_code, 200)
            self.assertEqual(self.client.get("/admin/articles/article/").status_code, 200)

    @override_settings(NEWSROOM_REQUIRE_2FA=True)
    def test_after_enrolling_the_editor_gets_the_admin(self):
        editor = make_user("desk", role="Editor")
        self.assertEqual(self.login("desk").status_code, 302)  # password login itself works
        self.assertEqual(self.client.get("/admin/").status_code, 302)
        self.client.get(PAGE)
        device = TOTPDevice.objects.get(user=editor)
        done = self.client.post(
            PAGE, {"action": "confirm", "code": code_for(device), "next": "/admin/"}
        )
        self.assertContains(done, "Continue to the newsroom")
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        self.assertEqual(self.client.get("/admin/articles/article/").status_code, 200)

    @override_settings(NEWSROOM_REQUIRE_2FA=True)
    def test_an_enrolled_editor_signed_in_without_a_code_must_verify(self):
        editor = make_user("desk", role="Editor")
        device = enrol(editor)
        self.client.force_login(editor)
        self.assertRedirects(
            self.client.get("/admin/"), f"{PAGE}?next=/admin/", fetch_redirect_response=False
        )
        self.login_verified(editor, device)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    @override_settings(NEWSROOM_REQUIRE_2FA=True)
    def test_an_editor_turning_it_off_is_sent_back_to_enrol(self):
        editor = make_user("desk", role="Editor")
        device = enrol(editor)
        self.login_verified(editor, device)
        manage = self.client.get(PAGE)
        self.assertContains(manage, "as the newsroom requires for your role")
        self.client.post(PAGE, {"action": "turn-off", "code": code_for(device)})
        self.assertEqual(self.client.get("/admin/").status_code, 302)
        self.assertContains(self.client.get(PAGE), "Two-factor login is required for your account")


class QRCodeIsAllowedTests(TestCase):
    def test_the_qr_code_page_allows_its_data_image_and_no_other_page_does(self):
        self.client.force_login(make_user("writer-qr", role="Writer"))
        page = self.client.get("/admin/two-factor/")
        self.assertContains(page, 'src="data:image/svg+xml')
        img_src = next(
            part for part in page["Content-Security-Policy"].split(";") if "img-src" in part
        )
        self.assertIn("data:", img_src)
        other = self.client.get("/admin/")
        self.assertNotIn("data:", other["Content-Security-Policy"])

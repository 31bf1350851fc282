"""Credential stuffing on the admin: repeated failures lock out, and say so."""

from django.test import TestCase, override_settings

from tests.factories import make_user


@override_settings(AXES_FAILURE_LIMIT=3)
class LoginThrottlingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_user("reporter", role="Writer")

    def attempt(self, username, password, ip="203.0.113.7"):
        return self.client.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": password},
            REMOTE_ADDR=ip,
        )

    def test_repeated_failures_lock_the_account_from_that_address_and_explain_it(self):
        for _ in range(2):
            self.assertEqual(self.attempt("reporter", "wrong").status_code, 200)
        with self.assertLogs("axes", level="WARNING"):
            third = self.attempt("reporter", "wrong")
        self.assertEqual(third.status_code, 429)
        locked = self.attempt("reporter", "pw-123456789")  # even the right password
        self.assertEqual(locked.status_code, 429)
        self.assertContains(locked, "Too many failed sign-ins", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_an_address_trying_many_accounts_is_locked_out(self):
        for name in ["a", "b", "c"]:
            self.attempt(name, "guess")
        self.assertEqual(self.attempt("reporter", "pw-123456789").status_code, 429)

    def test_other_addresses_are_not_affected(self):
        for _ in range(3):
            self.attempt("reporter", "wrong", ip="203.0.113.7")
        response = self.attempt("reporter", "pw-123456789", ip="198.51.100.9")
        self.assertEqual(response.status_code, 302)

    @override_settings(NEWSROOM_PROXY_COUNT=1)
    def test_behind_a_proxy_the_forwarded_address_counts(self):
        for _ in range(3):
            self.client.post(
                "/admin/login/",
                {"username": "reporter", "password": "wrong"},
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR="203.0.113.7",
            )
        other_reader = self.client.post(
            "/admin/login/?next=/admin/",
            {"username": "reporter", "password": "pw-123456789"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.9",
        )
        self.assertEqual(other_reader.status_code, 302)

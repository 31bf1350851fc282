"""Credential stuffing on the admin: repeated failures lock out, and say so.

Two limits (accounts/throttling.py): a few wrong passwords lock that account from that address;
only many more, over any accounts, lock the whole address. A newsroom behind one shared NAT is
not locked out by one person's typos (or by an attacker guessing one colleague's password).
"""

from django.conf import settings
from django.test import TestCase, override_settings

from tests.factories import make_user

NEWSROOM = "203.0.113.7"  # the newsroom's shared address (NAT)
ELSEWHERE = "198.51.100.9"
PASSWORD = "pw-123456789"


@override_settings(AXES_FAILURE_LIMIT=3, NEWSROOM_ADDRESS_FAILURE_LIMIT=8)
class LoginThrottlingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_user("reporter", role="Writer")
        cls.colleague = make_user("editor", role="Editor")

    def attempt(self, username, password, ip=NEWSROOM):
        return self.client.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": password},
            REMOTE_ADDR=ip,
        )

    def fail(self, username, times, ip=NEWSROOM):
        with self.assertLogs("axes", level="WARNING"):
            for _ in range(times):
                self.attempt(username, "wrong", ip=ip)

    def signs_in(self, username, ip=NEWSROOM):
        response = self.attempt(username, PASSWORD, ip=ip)
        signed_in = response.status_code == 302 and "_auth_user_id" in self.client.session
        self.client.post("/admin/logout/")
        return signed_in

    def test_repeated_failures_lock_the_account_from_that_address_and_explain_it(self):
        for _ in range(2):
            self.assertEqual(self.attempt("reporter", "wrong").status_code, 200)
        with self.assertLogs("axes", level="WARNING"):
            third = self.attempt("reporter", "wrong")
        self.assertEqual(third.status_code, 429)
        locked = self.attempt("reporter", PASSWORD)  # even the right password
        self.assertEqual(locked.status_code, 429)
        self.assertContains(locked, "Too many failed sign-ins", status_code=429)
        # The newsroom's own name in the chrome, not Django's default header.
        self.assertContains(locked, f"{settings.NEWSROOM_SITE_NAME} newsroom", status_code=429)
        self.assertNotContains(locked, "Django administration", status_code=429)
        self.assertContains(
            locked, "signing in to this account from here is paused", status_code=429
        )
        self.assertContains(locked, "after 3 failed attempts", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_one_locked_account_does_not_lock_out_colleagues_behind_the_same_address(self):
        self.fail("reporter", 3)
        self.assertEqual(self.attempt("reporter", PASSWORD).status_code, 429)
        self.assertTrue(self.signs_in("editor"))  # same address, another account

    def test_an_attacker_guessing_every_colleague_does_not_lock_out_the_newsroom_early(self):
        # Two wrong guesses at each of three accounts: six failures from the address, under
        # its limit of eight, and under three for each account.
        for name in ["reporter", "editor", "sub-editor"]:
            self.fail(name, 2)
        self.assertTrue(self.signs_in("reporter"))
        self.assertTrue(self.signs_in("editor"))

    def test_an_address_trying_many_accounts_is_locked_out_for_every_account(self):
        for name in ["a", "b", "c", "d"]:
            self.fail(name, 2)  # eight failures, none reaching an account's limit of three
        locked = self.attempt("reporter", PASSWORD)
        self.assertContains(locked, "signing in from this network is paused", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(self.attempt("editor", PASSWORD).status_code, 429)
        self.assertTrue(self.signs_in("reporter", ip=ELSEWHERE))

    def test_signing_in_to_ones_own_account_does_not_clear_the_addresss_count(self):
        for name in ["a", "b", "c"]:
            self.fail(name, 2)
        self.fail("editor", 1)  # seven
        self.assertTrue(self.signs_in("editor"))  # clears editor's own failure only: six
        self.fail("d", 1)
        self.assertTrue(self.signs_in("reporter"))
        self.fail("d", 1)  # eight
        self.assertEqual(self.attempt("reporter", PASSWORD).status_code, 429)

    def test_other_addresses_are_not_affected(self):
        self.fail("reporter", 3)
        self.assertTrue(self.signs_in("reporter", ip=ELSEWHERE))

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
            {"username": "reporter", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.9",
        )
        self.assertEqual(other_reader.status_code, 302)

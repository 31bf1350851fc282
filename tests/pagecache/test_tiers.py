"""Each cache tier against a local server: Varnish's purge protocol, and Fastly's and
Cloudflare's APIs replayed from recorded answers (no network). A tier returns only when the
cache confirmed; anything else is PurgeFailed (retried by the outbox)."""

import json
import socket
import threading

from django.test import SimpleTestCase, override_settings

from pagecache.tiers import (
    CloudflareTier,
    FastlyTier,
    PageCacheTier,
    PurgeFailed,
    VarnishTier,
    configured_tiers,
)
from tests.pagecache.fake_http import FakeServer, recorded, varnish


class VarnishTierTests(SimpleTestCase):
    def test_a_purge_is_a_purge_request_with_the_keys_and_is_confirmed_by_xkey_purged(self):
        with FakeServer(varnish) as server:
            VarnishTier(server.url + "/").purge(["front", "article:12"])
        (request,) = server.requests
        self.assertEqual((request["method"], request["path"]), ("PURGE", "/"))
        self.assertEqual(request["headers"]["xkey-purge"], "article:12 front")

    def test_405_is_a_failure_that_names_the_acl(self):
        with (
            FakeServer([{"status": 405, "body": "Not allowed."}]) as server,
            self.assertRaisesRegex(PurgeFailed, "answered 405.*purge ACL"),
        ):
            VarnishTier(server.url).purge(["front"])

    def test_200_without_xkey_purged_is_not_a_confirmation(self):
        # A Varnish whose VCL does not know the protocol (or a web server) answering 200.
        with (
            FakeServer([{"status": 200, "body": "<html>front page</html>"}]) as server,
            self.assertRaisesRegex(PurgeFailed, "without xkey-purged"),
        ):
            VarnishTier(server.url).purge(["front"])

    def test_no_answer_is_a_failure_within_the_timeout(self):
        with socket.socket() as silent:  # Accepts connections, never answers.
            silent.bind(("127.0.0.1", 0))
            silent.listen(5)
            with (
                override_settings(PURGE_TIMEOUT=0.3),
                self.assertRaisesRegex(PurgeFailed, "no answer"),
            ):
                VarnishTier(f"http://127.0.0.1:{silent.getsockname()[1]}").purge(["x"])

    def test_refused_is_a_failure(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with self.assertRaisesRegex(PurgeFailed, "no answer"):
            VarnishTier(f"http://127.0.0.1:{port}").purge(["x"])

    def test_many_keys_are_split_so_the_header_stays_under_varnishs_limit(self):
        keys = [f"article:{n}" for n in range(2000)]
        with FakeServer(varnish) as server:
            VarnishTier(server.url).purge(keys)
        sent = [r["headers"]["xkey-purge"] for r in server.requests]
        self.assertGreater(len(sent), 1)
        self.assertTrue(all(len(header) <= VarnishTier.MAX_HEADER for header in sent))
        self.assertEqual(sorted(k for header in sent for k in header.split()), sorted(keys))

    def test_name_and_label(self):
        tier = VarnishTier("http://10.0.0.5:6081/")
        self.assertEqual(tier.name, "varnish:http://10.0.0.5:6081")
        self.assertEqual(tier.label, "Varnish at 10.0.0.5:6081")


class FastlyTierTests(SimpleTestCase):
    def test_success_sends_the_keys_and_the_token_to_the_batch_purge(self):
        with FakeServer([recorded("fastly_purge_ok")]) as server:
            FastlyTier("SU1Z0isxPaozGVKXdv0eY", "token-1", api=server.url).purge(
                ["front", "article:12", "listings"]
            )
        (request,) = server.requests
        self.assertEqual(request["method"], "POST")
        self.assertEqual(request["path"], "/service/SU1Z0isxPaozGVKXdv0eY/purge")
        self.assertEqual(request["headers"]["fastly-key"], "token-1")
        self.assertEqual(request["headers"]["surrogate-key"], "article:12 front listings")
        self.assertNotIn("fastly-soft-purge", request["headers"])  # Hard purges: takedowns.

    def test_an_answer_that_does_not_name_every_key_is_not_a_confirmation(self):
        with (
            FakeServer([recorded("fastly_purge_ok")]) as server,
            self.assertRaisesRegex(PurgeFailed, "did not confirm"),
        ):
            FastlyTier("svc", "token", api=server.url).purge(["front", "section:3"])

    def test_auth_failure(self):
        with (
            FakeServer([recorded("fastly_auth_failed")]) as server,
            self.assertRaisesRegex(PurgeFailed, "401: Provided credentials") as caught,
        ):
            FastlyTier("svc", "wrong", api=server.url).purge(["front"])
        self.assertIsNone(caught.exception.retry_after)

    def test_rate_limit_says_when_to_retry(self):
        with (
            FakeServer([recorded("fastly_rate_limited")]) as server,
            self.assertRaisesRegex(PurgeFailed, "429") as caught,
        ):
            FastlyTier("svc", "token", api=server.url).purge(["front"])
        self.assertEqual(caught.exception.retry_after, 30)

    def test_more_than_256_keys_are_several_calls(self):
        keys = [f"article:{n}" for n in range(300)]

        def answer(request):
            sent = request["headers"]["surrogate-key"].split()
            return {"status": 200, "body": dict.fromkeys(sent, "108-1-1")}

        with FakeServer(answer) as server:
            FastlyTier("svc", "token", api=server.url).purge(keys)
        self.assertEqual([len(r["headers"]["surrogate-key"].split()) for r in server.requests],
                         [256, 44])  # fmt: skip


class CloudflareTierTests(SimpleTestCase):
    def test_success_posts_the_tags_with_the_bearer_token(self):
        with FakeServer([recorded("cloudflare_purge_ok")]) as server:
            CloudflareTier("023e105f4ecef8ad9ca31a8372d0c353", "cf-token", api=server.url).purge(
                ["front", "article:12"]
            )
        (request,) = server.requests
        self.assertEqual(request["method"], "POST")
        self.assertEqual(request["path"], "/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache")
        self.assertEqual(request["headers"]["authorization"], "Bearer cf-token")
        self.assertEqual(json.loads(request["body"]), {"tags": ["article:12", "front"]})

    def test_auth_failure(self):
        with (
            FakeServer([recorded("cloudflare_auth_failed")]) as server,
            self.assertRaisesRegex(PurgeFailed, "403: 10000 Authentication error"),
        ):
            CloudflareTier("zone", "wrong", api=server.url).purge(["front"])

    def test_rate_limit_says_when_to_retry(self):
        with (
            FakeServer([recorded("cloudflare_rate_limited")]) as server,
            self.assertRaisesRegex(PurgeFailed, "429: 971") as caught,
        ):
            CloudflareTier("zone", "token", api=server.url).purge(["front"])
        self.assertEqual(caught.exception.retry_after, 20)

    def test_at_most_100_tags_a_call(self):
        with FakeServer([recorded("cloudflare_purge_ok")]) as server:
            CloudflareTier("zone", "token", api=server.url).purge([f"tag:{n}" for n in range(250)])
        self.assertEqual([len(json.loads(r["body"])["tags"]) for r in server.requests],
                         [100, 100, 50])  # fmt: skip

    def test_a_200_that_is_not_success_is_not_a_confirmation(self):
        answer = {"status": 200, "body": {"success": False, "errors": [], "result": None}}
        with FakeServer([answer]) as server, self.assertRaises(PurgeFailed):
            CloudflareTier("zone", "token", api=server.url).purge(["front"])


class ConfiguredTiersTests(SimpleTestCase):
    @override_settings(
        NEWSROOM_PAGE_CACHE=True,
        PURGE_VARNISH_URLS=[
            "http://10.0.0.5:6081",
            "http://10.0.0.6:6081/",
            "http://10.0.0.5:6081/",
        ],
        FASTLY_SERVICE_ID="svc",
        FASTLY_API_TOKEN="token",
        CLOUDFLARE_ZONE_ID="zone",
        CLOUDFLARE_API_TOKEN="cf",
    )
    def test_every_configured_tier_once(self):
        self.assertEqual(
            [tier.name for tier in configured_tiers()],
            ["pagecache", "varnish:http://10.0.0.5:6081", "varnish:http://10.0.0.6:6081",
             "fastly:svc", "cloudflare:zone"],
        )  # fmt: skip

    @override_settings(NEWSROOM_PAGE_CACHE=False, PURGE_VARNISH_URLS=[], FASTLY_SERVICE_ID="svc",
                       FASTLY_API_TOKEN="", CLOUDFLARE_ZONE_ID="")  # fmt: skip
    def test_none_without_settings(self):
        self.assertEqual(configured_tiers(), [])

    def test_the_page_cache_tier_is_confirmed_once_stamped(self):
        tier = PageCacheTier()
        self.assertEqual((tier.name, tier.label), ("pagecache", "the page cache"))


class TimeoutTests(SimpleTestCase):
    def test_a_held_answer_is_a_failure_after_purge_timeout(self):
        hold = threading.Event()
        with (
            FakeServer(varnish, hold=hold) as server,
            override_settings(PURGE_TIMEOUT=0.3),
            self.assertRaises(PurgeFailed),
        ):
            VarnishTier(server.url).purge(["front"])

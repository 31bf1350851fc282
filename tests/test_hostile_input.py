"""Hostile values in every public URL and query parameter: a readable 2xx, 3xx, 400, 404 or
410, never a 500."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from tests.factories import make_article, make_author, make_section

NASTY = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(
        [
            "",
            "\x00",
            "%00",
            "x" * 10_000,
            "' OR 1=1 --",
            "'; DROP TABLE articles_article; --",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "-1",
            "0",
            "99999999999999999999999999",
            "1e309",
            "NaN",
            "2026-02-30",
            "9999-99-99",
            "☃",
            "\u202e",
            "%",
            "%%",
            "\\",
        ]
    ),
)
OK = {200, 301, 302, 400, 404, 410}


class HostileInputTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("World", slug="world")
        cls.author = make_author("Nora Lind")
        cls.story = make_article(section=cls.section, authors=[cls.author], tags=["Ports"])

    def assert_ok(self, path, params=None):
        response = self.client.get(path, params or {})
        self.assertIn(response.status_code, OK, f"{path} {params!r}")
        if response.status_code in (400, 404, 410):
            self.assertTrue(response.content.strip(), "an empty error page")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(value=NASTY)
    def test_slugs_in_every_pattern(self, value):
        for pattern in [
            "/2026/01/02/{}/",
            "/section/{}/",
            "/tag/{}/",
            "/author/{}/",
            "/section/{}/feed/",
            "/tag/{}/feed/atom/",
            "/author/{}/feed/",
            "/preview/{}/",
            "/{}/",
        ]:
            self.assert_ok(pattern.format(value.replace("/", "")[:2000]))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(value=NASTY)
    def test_query_parameters_on_every_page(self, value):
        for path in [
            "/",
            self.story.get_absolute_url(),
            "/section/world/",
            "/tag/ports/",
            self.author.get_absolute_url(),
            "/corrections/",
            "/feed/",
            "/sitemap.xml",
            "/sitemap-articles.xml",
            "/news-sitemap.xml",
        ]:
            self.assert_ok(path, {"page": value, "before": value, "p": value})

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(q=NASTY, section=NASTY, date_from=NASTY, date_to=NASTY, page=NASTY)
    def test_search_with_anything(self, q, section, date_from, date_to, page):
        self.assert_ok(
            "/search/",
            {"q": q, "section": section, "date_from": date_from, "date_to": date_to, "page": page},
        )

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(year=st.integers(-10, 100_000), month=st.integers(-1, 100), day=st.integers(-1, 100))
    def test_dates_in_article_addresses(self, year, month, day):
        self.assert_ok(f"/{year:04d}/{month:02d}/{day:02d}/{self.story.slug}/")

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ratio=NASTY, width=st.integers(-5, 10**12), ext=NASTY, key=NASTY)
    def test_image_rendition_addresses(self, ratio, width, ext, key):
        self.assert_ok(
            f"/images/1/{key.replace('/', '')[:50]}/{ratio.replace('/', '')[:20]}-w{width}.{ext.replace('/', '')[:10]}"
        )

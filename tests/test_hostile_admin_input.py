"""Hostile values in every admin form editors and profile managers use, in the workflow buttons
and in the changelists' filter, search and ordering parameters: a form error (or a 4xx, or a
redirect with a message), never a 500, and nothing in the database changes when the input is
refused.

PostgreSQL cannot store a NUL character in text (psycopg2 raises before the query is sent), a
classic source of 500s that SQLite hides: run this file on PostgreSQL too (CI does)."""

from datetime import timedelta

from django.apps import apps
from django.contrib.messages import get_messages
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from articles import workflow
from articles.models import Article, Image, PreviewLink, Section
from authors.models import Author
from tests.articles.test_editorial import form_data
from tests.factories import (
    make_article,
    make_author,
    make_image,
    make_section,
    make_user,
    upload,
)

TEXT_PAYLOADS = [
    "\x00",
    "Harbour\x00reopens",
    "x" * 10_000,
    "'; DROP TABLE articles_article; --",
    '<script>alert(1)</script><img src=x onerror="alert(2)">',
    "☃ \u202e\ufeff \U0001f600 ǅ",
    "",
    "   ",
]
NUMBER_PAYLOADS = [
    "-1",
    "-99999999999999999999",
    "99999999999999999999",
    "9223372036854775808",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "1.5",
    "abc",
    "\x00",
    "1\x00",
    "",
]
DATE_PAYLOADS = [
    "2026-02-30T10:00",
    "2026-13-01T10:00",
    "9999-99-99T99:99",
    "0000-00-00T00:00",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-06-01T10:00+05:00",
    "2026-03-29T01:30",  # Does not exist in London: the clocks go forward.
    "２０２６-06-01T10:00",
    "tomorrow",
    "\x00",
    "x" * 10_000,
    "2026-06-01T10:00\x00",
]
LIST_PAYLOADS = [
    "\x00",
    "live\x00",
    "x" * 10_000,
    "'; DROP TABLE articles_article; --",
    "<script>alert(1)</script>",
    "☃\u202e",
    "",
    "-1",
    "99999999999999999999",
    "1e309",
    "0001-01-01",
    "9999-12-31 23:59",
    "2026-02-30",
]
ID_PAYLOADS = ["abc", "1.5", "-1", "99999999999999999999", "1e309", "1\x00"]
COUNT_PAYLOADS = ["-1", "-99999999999999999999", "99999999999999999999", "abc"]
ANY_TEXT = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(TEXT_PAYLOADS + NUMBER_PAYLOADS + DATE_PAYLOADS),
)


def snapshot():
    """Every row of every table the newsroom's admin writes, as comparable values."""
    rows = {}
    for label in ["articles", "authors", "taggit", "admin"]:
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = sorted(
                repr(sorted(r.items())) for r in model.objects.values()
            )
    return rows


class AdminHostileInputTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("World", slug="world")
        cls.ana = make_author("Ana Costa")
        cls.tom = make_author("Tom Reid")
        cls.image = make_image()
        cls.editor = make_user("eddie", role="Editor")
        cls.manager = make_user("pam", role="Profile manager")
        cls.other = make_article(headline="Another story", section=cls.section)
        cls.story = workflow.create(
            {
                "headline": "Harbour reopens",
                "body": "<p>Boats are back.</p>",
                "section": cls.section.pk,
                "bylines": [{"author": cls.ana.pk, "role": "reporter"}],
                "tags": ["ports"],
                "related": [cls.other.pk],
            },
            by=cls.editor,
        )

    def login(self, user=None):
        # Not in setUp: Hypothesis' TestCase sets the client up per example, after setUp.
        self.client.force_login(user or self.editor)

    def assert_refused(self, response, what):
        """A 200 form with errors, a 4xx, or a redirect carrying an error message."""
        self.assertNotEqual(response.status_code, 500, what)
        if response.status_code == 200:
            # The admin's "Please correct the error below." over the form or the list.
            self.assertContains(response, 'class="errornote"', msg_prefix=what)
        elif response.status_code == 302:
            levels = [m.level_tag for m in get_messages(response.wsgi_request)]
            self.assertIn("error", levels, f"{what}: redirected without an error message")
        else:
            self.assertIn(response.status_code, {400, 403, 404, 405}, what)

    def post_unchanged(self, url, data, what, **extra):
        """POST ``data``: it must be refused, and no row may change."""
        before = snapshot()
        response = self.client.post(url, data, **extra)
        self.assert_refused(response, what)
        self.assertEqual(snapshot(), before, f"{what}: the database changed")
        return response

    def post_either(self, url, data, what):
        """POST ``data``: saved (302), or refused with nothing changed; never a 500."""
        before = snapshot()
        response = self.client.post(url, data)
        self.assertNotEqual(response.status_code, 500, what)
        self._loaded = None
        if response.status_code != 302:
            self.assert_refused(response, what)
            self.assertEqual(snapshot(), before, f"{what}: refused, yet the database changed")
        return response


def label(value):
    return repr(value[:30]) + (f"... ({len(value)} chars)" if len(value) > 30 else "")


class ArticleFormTests(AdminHostileInputTestCase):
    def change_url(self):
        return f"/admin/articles/article/{self.story.pk}/change/"

    def loaded_form(self):
        """The change form as the browser has it; loaded again only after a save."""
        if getattr(self, "_loaded", None) is None:
            self._loaded = form_data(self.client.get(self.change_url()))
        return dict(self._loaded)

    def test_text_fields_refuse_nul_and_overlong_values(self):
        self.login()
        for field, limit in [
            ("headline", 200),
            ("standfirst", 600),
            ("slug", 200),
            ("hero_caption", 400),
            ("seo_title", 120),
            ("seo_description", 300),
            ("change_note", 300),
            ("tags", None),
            ("body", None),
        ]:
            for value in TEXT_PAYLOADS:
                what = f"{field}={label(value)}"
                must_refuse = "\x00" in value or bool(limit and len(value) > limit)
                must_refuse |= field == "slug" and bool(value.strip()) and not value.isalnum()
                must_refuse |= field == "headline" and not value.strip()
                with self.subTest(what):
                    data = self.loaded_form() | {field: value}
                    if must_refuse:
                        self.post_unchanged(self.change_url(), data, what)
                    else:
                        self.post_either(self.change_url(), data, what)

    def test_numbers_and_ids_in_the_form_and_its_inlines(self):
        """Section and hero image choices, the base revision, byline and pick positions, the
        picked story and author ids: anything but a valid one is a form error."""
        self.login()
        for field, values in [
            ("section", ID_PAYLOADS),
            ("hero_image", ID_PAYLOADS),
            ("base_revision", ID_PAYLOADS),
            ("bylines-0-position", NUMBER_PAYLOADS),
            ("bylines-0-author", ID_PAYLOADS),
            ("bylines-0-role", ID_PAYLOADS),
            ("picks-0-position", NUMBER_PAYLOADS),
            ("picks-0-to_article", ID_PAYLOADS),
            ("bylines-TOTAL_FORMS", COUNT_PAYLOADS),
            ("picks-INITIAL_FORMS", COUNT_PAYLOADS),
        ]:
            for value in values:
                what = f"{field}={label(value)}"
                with self.subTest(what):
                    data = self.loaded_form()
                    allowed_empty = value == "" and field in {"hero_image", "base_revision"}
                    if allowed_empty or (field == "picks-0-position" and value == ""):
                        continue
                    self.post_unchanged(self.change_url(), data | {field: value}, what)

    def test_the_same_author_twice_is_refused_and_a_pick_of_itself_dropped(self):
        self.login()
        changes = {
            "bylines-TOTAL_FORMS": "2",
            "bylines-1-author": str(self.ana.pk),
            "bylines-1-role": "writer",
            "bylines-1-position": "2",
        }
        self.post_unchanged(self.change_url(), self.loaded_form() | changes, "author twice")
        data = self.loaded_form() | {"picks-0-to_article": str(self.story.pk)}
        self.assertEqual(self.client.post(self.change_url(), data).status_code, 302)
        self.assertEqual(workflow.latest_data(Article.objects.get(pk=self.story.pk))["related"], [])

    def test_the_add_form_refuses_the_same_values_and_creates_nothing(self):
        self.login()
        url = "/admin/articles/article/add/"
        blank = form_data(self.client.get(url))
        base = blank | {
            "headline": "A new story",
            "body": "<p>Text.</p>",
            "section": str(self.section.pk),
        }
        for field, value in [
            ("headline", "\x00"),
            ("headline", "x" * 10_000),
            ("slug", "'; DROP TABLE articles_article; --"),
            ("standfirst", "a\x00b"),
            ("body", "<p>\x00</p>"),
            ("tags", "ports, \x00"),
            ("tags", "x" * 10_000),
            ("section", "-1"),
            ("section", "99999999999999999999"),
            ("hero_image", "abc"),
            ("bylines-0-position", "-5"),
            ("bylines-0-position", "99999999999999999999"),
        ]:
            what = f"{field}={label(value)}"
            with self.subTest(what):
                data = base | {field: value}
                if field.startswith("bylines-0-"):
                    data |= {"bylines-0-author": str(self.tom.pk), "bylines-0-role": "writer"}
                self.post_unchanged(url, data, what)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(headline=ANY_TEXT, standfirst=ANY_TEXT, tags=ANY_TEXT, position=ANY_TEXT)
    def test_anything_in_the_story_form_is_saved_or_refused_never_a_500(
        self, headline, standfirst, tags, position
    ):
        self.login()
        self._loaded = None  # Each example starts from the stored story.
        data = self.loaded_form() | {
            "headline": headline,
            "standfirst": standfirst,
            "tags": tags,
            "bylines-0-position": position,
        }
        self.post_either(self.change_url(), data, repr(data)[:200])


class WorkflowActionTests(AdminHostileInputTestCase):
    def action(self, name):
        return f"/admin/articles/article/{self.story.pk}/workflow/{name}/"

    def test_publish_at_malformed_or_impossible_times(self):
        self.login()
        for field in ["publish_at", "unpublish_at"]:
            for value in DATE_PAYLOADS:
                what = f"{field}={label(value)}"
                with self.subTest(what):
                    self.post_unchanged(self.action("publish"), {field: value}, what)

    @override_settings(TIME_ZONE="Asia/Tokyo")
    def test_the_first_representable_time_east_of_utc(self):
        """0001-01-01 00:00 in Tokyo is before the first datetime Python can hold in UTC."""
        self.login()
        for field in ["publish_at", "unpublish_at"]:
            with self.subTest(field):
                self.post_unchanged(self.action("publish"), {field: "0001-01-01T00:00"}, field)

    @override_settings(TIME_ZONE="America/New_York")
    def test_the_last_representable_time_west_of_utc(self):
        self.login()
        for field in ["publish_at", "unpublish_at"]:
            with self.subTest(field):
                self.post_unchanged(self.action("publish"), {field: "9999-12-31T23:59"}, field)

    def test_unpublish_before_the_publication_time(self):
        self.login()
        later = timezone.localtime() + timedelta(days=2)
        self.post_unchanged(
            self.action("publish"),
            {
                "publish_at": f"{later:%Y-%m-%dT%H:%M}",
                "unpublish_at": f"{later - timedelta(hours=1):%Y-%m-%dT%H:%M}",
            },
            "unpublish before publish",
        )

    def test_send_back_without_a_note_or_with_nul(self):
        self.login()
        workflow.submit(self.story, by=self.editor)
        for note in ["", "   ", "\x00", "Fix the\x00intro"]:
            with self.subTest(note=note):
                self.post_unchanged(self.action("send-back"), {"note": note}, repr(note))

    def test_corrections_refuse_nul_empty_and_unknown_kinds(self):
        self.login()
        workflow.publish(self.story, by=self.editor)
        for kind, text in [
            ("correction", ""),
            ("correction", "  "),
            ("correction", "\x00"),
            ("clarification", "The mayor\x00said"),
            ("'; DROP TABLE x; --", "A real text."),
            ("\x00", "A real text."),
            ("", "A real text."),
        ]:
            with self.subTest(kind=kind, text=text):
                self.post_unchanged(
                    self.action("correct"), {"kind": kind, "text": text}, f"{kind!r} {text!r}"
                )

    def test_restore_and_revoke_with_bad_numbers(self):
        self.login()
        link = workflow.share_preview(self.story, by=self.editor)
        for action, field in [("restore", "number"), ("revoke", "link")]:
            for value in [*NUMBER_PAYLOADS, "0", "999"]:
                if action == "revoke" and value == "":
                    continue
                what = f"{action} {field}={label(value)}"
                with self.subTest(what):
                    self.post_unchanged(self.action(action), {field: value}, what)
        self.assertIsNone(PreviewLink.objects.get(pk=link.pk).revoked_at)

    def test_preview_link_hours_are_not_taken_from_the_request(self):
        self.login()
        for hours in ["-5", "99999999999999999999", "\x00"]:
            with self.subTest(hours=hours):
                response = self.client.post(self.action("share"), {"hours": hours})
                self.assertEqual(response.status_code, 302)
                link = PreviewLink.objects.latest("pk")
                self.assertAlmostEqual(
                    (link.expires_at - timezone.now()).total_seconds(), 48 * 3600, delta=120
                )

    def test_unknown_actions_and_get_requests(self):
        self.login()
        for path, method in [
            (self.action("drop-table"), "post"),
            (self.action("publish"), "get"),
            (f"/admin/articles/article/{10**20}/workflow/publish/", "post"),
        ]:
            with self.subTest(path=path, method=method):
                before = snapshot()
                response = getattr(self.client, method)(path)
                self.assertIn(response.status_code, {403, 404, 405})
                self.assertEqual(snapshot(), before)


class OtherFormsTests(AdminHostileInputTestCase):
    def check_form(self, url, model, fields, numbers=()):
        loaded = form_data(self.client.get(url))
        for field in fields:
            limit = model._meta.get_field(field).max_length
            for value in TEXT_PAYLOADS:
                what = f"{url} {field}={label(value)}"
                with self.subTest(what):
                    data = loaded | {field: value}
                    if "\x00" in value or (limit and len(value) > limit):
                        self.post_unchanged(url, data, what)
                    elif self.post_either(url, data, what).status_code == 302:
                        self.client.post(url, loaded)  # Back as it was.
        for field in numbers:
            for value in NUMBER_PAYLOADS:
                if value == "" and model._meta.get_field(field).blank:
                    continue
                what = f"{url} {field}={label(value)}"
                with self.subTest(what):
                    self.post_unchanged(url, loaded | {field: value}, what)

    def test_section_form(self):
        self.login(make_user("root", superuser=True))
        self.check_form(
            f"/admin/articles/section/{self.section.pk}/change/",
            Section,
            ["name", "slug", "description"],
            numbers=["position", "editors"],
        )

    def test_section_list_editable(self):
        self.login(make_user("root", superuser=True))
        for value in NUMBER_PAYLOADS:
            with self.subTest(value=value):
                self.post_unchanged(
                    "/admin/articles/section/",
                    {
                        "form-TOTAL_FORMS": "1",
                        "form-INITIAL_FORMS": "1",
                        "form-0-id": str(self.section.pk),
                        "form-0-position": value,
                        "form-0-in_navigation": "on",
                        "_save": "Save",
                    },
                    value,
                )

    def test_image_form(self):
        self.login()
        self.check_form(
            f"/admin/articles/image/{self.image.pk}/change/",
            Image,
            ["alt_text", "caption", "credit"],
            numbers=["focal_x", "focal_y"],
        )
        for value in ["1.0001", "-0.0001", "2"]:
            with self.subTest(focal=value):
                url = f"/admin/articles/image/{self.image.pk}/change/"
                self.post_unchanged(
                    url, form_data(self.client.get(url)) | {"focal_x": value}, value
                )

    def test_image_upload_with_hostile_text(self):
        self.login()
        for field, value in [("alt_text", "\x00"), ("caption", "x" * 10_000), ("credit", "a\x00")]:
            with self.subTest(field=field):
                data = {"alt_text": "A harbour", "caption": "", "credit": "Agency"}
                data[field] = value
                self.post_unchanged(
                    "/admin/articles/image/add/", data | {"file": upload()}, f"{field}"
                )

    def test_author_form(self):
        self.login(self.manager)
        self.check_form(
            f"/admin/authors/author/{self.ana.pk}/change/",
            Author,
            [
                "name",
                "slug",
                "job_title",
                "short_bio",
                "bio",
                "email",
                "website",
                "x_url",
                "bluesky_url",
                "mastodon_url",
                "linkedin_url",
                "instagram_url",
            ],
            numbers=["user"],
        )
        for value in ["javascript:alert(1)", "https://", "http://exa mple.org", "ftp://x.org/\x00"]:
            with self.subTest(url=value):
                url = f"/admin/authors/author/{self.ana.pk}/change/"
                self.post_unchanged(
                    url, form_data(self.client.get(url)) | {"website": value}, value
                )

    def test_author_add_form(self):
        self.login(self.manager)
        for field, value in [("name", "\x00"), ("slug", "'; --"), ("x_url", "x" * 10_000)]:
            with self.subTest(field=field):
                data = {"name": "New Writer", "slug": "", "is_active": "on"} | {field: value}
                self.post_unchanged("/admin/authors/author/add/", data, field)


class ChangelistParameterTests(AdminHostileInputTestCase):
    LISTS = {
        "/admin/articles/article/": [
            "o",
            "p",
            "q",
            "e",
            "state",
            "stage__exact",
            "status__exact",
            "section__id__exact",
            "authors__id__exact",
            "published_at__gte",
            "published_at__lt",
            "published_at__isnull",
            "published_at__year",
            "published_at__month",
            "published_at__day",
            "headline__contains",
            "_changelist_filters",
            "all",
        ],
        "/admin/authors/author/": ["o", "p", "q", "is_active__exact", "name__startswith"],
        "/admin/articles/section/": ["o", "p", "q"],
        "/admin/articles/image/": ["o", "p", "q"],
    }

    def assert_listed_or_refused(self, url, params):
        before = snapshot()
        response = self.client.get(url, params)
        what = f"{url} {params!r}"[:200]
        self.assertIn(response.status_code, {200, 302, 400}, what)
        if response.status_code == 302:  # The admin's "?e=1": the list, with a message.
            self.assertIn("e=1", response["Location"], what)
        self.assertEqual(snapshot(), before, what)

    def test_every_parameter_with_every_payload(self):
        self.login(make_user("root", superuser=True))
        for url, names in self.LISTS.items():
            for name in names:
                for value in LIST_PAYLOADS:
                    with self.subTest(url=url, name=name, value=label(value)):
                        self.assert_listed_or_refused(url, {name: value})

    def test_the_date_hierarchy_together(self):
        self.login()
        for year, month, day in [
            ("2026", "2", "30"),
            ("0", "0", "0"),
            ("99999", "1", "1"),
            ("2026", "-1", "1"),
            ("2026\x00", "1", "1"),
            ("9999", "12", "31"),
        ]:
            with self.subTest(year=year, month=month, day=day):
                self.assert_listed_or_refused(
                    "/admin/articles/article/",
                    {
                        "published_at__year": year,
                        "published_at__month": month,
                        "published_at__day": day,
                    },
                )

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(name=st.sampled_from(LISTS["/admin/articles/article/"]), value=ANY_TEXT, o=ANY_TEXT)
    def test_anything_in_the_story_list_parameters(self, name, value, o):
        self.login()
        self.assert_listed_or_refused("/admin/articles/article/", {name: value, "o": o})

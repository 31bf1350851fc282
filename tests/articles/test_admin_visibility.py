"""Every admin list of stories shows a user only the stories they may open.

The rule is articles.workflow.viewable_by (editors: every story; contributors and writers:
their own and those they are a byline on). Each surface that lists, counts, searches or picks
stories is checked for each role against the same six stories: the story list and its filters
(and their counts), search, the date hierarchy, the related-story autocomplete, the desk on
the admin index, and a crafted related pick.
"""

from datetime import datetime, timedelta

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import workflow
from articles.admin.stories import ArticleAdmin
from articles.models import Article, RelatedLink
from authors.models import Author
from common.qeval import holds
from tests.articles.test_permissions import change_form
from tests.factories import make_article, make_author, make_section, make_user

ARTICLES = "/admin/articles/article/"
AUTOCOMPLETE = "/admin/autocomplete/"
ROLES = ["Contributor", "Writer", "Editor", "superuser"]
HEADLINES = {
    "A": "Alpha drafted by the contributor",
    "B": "Bravo drafted by the writer",
    "C": "Charlie bylined to both",
    "D": "Delta of a colleague, draft",
    "E": "Echo of a colleague, scheduled story",
    "F": "Foxtrot of a colleague, live story",
}
VISIBLE = {
    "Contributor": {"A", "C"},
    "Writer": {"B", "C"},
    "Editor": set(HEADLINES),
    "superuser": set(HEADLINES),
}


class AdminVisibilityTests(TestCase):
    maxDiff = None

    @classmethod
    def setUpTestData(cls):
        cls.section = make_section("News", slug="news")
        cls.users = {
            "Contributor": make_user("contributor", role="Contributor"),
            "Writer": make_user("writer", role="Writer"),
            "Editor": make_user("editor", role="Editor"),
            "superuser": make_user("chief", superuser=True),
        }
        cls.colleague = make_user("colleague", role="Writer")
        contributor_author = make_author("Cora Contributor", user=cls.users["Contributor"])
        writer_author = make_author("Walt Writer", user=cls.users["Writer"])
        cls.colleague_author = make_author("Colin Colleague", user=cls.colleague)
        body = "<p>The quokka census: {}.</p>"
        # "quokka" is in every standfirst (searched on any database); each body has its own word
        # (the full-text search, on PostgreSQL, finds words in bodies).
        draft = {"published": False, "stage": Article.Stage.DRAFT, "section": cls.section}
        cls.stories = {
            "A": make_article(
                headline=HEADLINES["A"],
                standfirst="Counting quokkas.",
                body=body.format("alpha"),
                created_by=cls.users["Contributor"],
                authors=[contributor_author],
                **draft,
            ),
            "B": make_article(
                headline=HEADLINES["B"],
                standfirst="Counting quokkas.",
                body=body.format("bravo"),
                created_by=cls.users["Writer"],
                authors=[writer_author],
                **draft,
            ),
            "C": make_article(
                headline=HEADLINES["C"],
                standfirst="Counting quokkas.",
                body=body.format("charlie"),
                created_by=cls.colleague,
                authors=[contributor_author, writer_author],
                **draft,
            ),
            "D": make_article(
                headline=HEADLINES["D"],
                standfirst="Counting quokkas.",
                body=body.format("zanzibar"),
                created_by=cls.colleague,
                authors=[cls.colleague_author],
                **draft,
            ),
            "E": make_article(
                headline=HEADLINES["E"],
                standfirst="Counting quokkas.",
                body=body.format("echo"),
                created_by=cls.colleague,
                authors=[cls.colleague_author],
                section=cls.section,
                published=False,
                stage=Article.Stage.APPROVED,
            ),
            "F": make_article(
                headline=HEADLINES["F"],
                standfirst="Counting quokkas.",
                body=body.format("foxtrot"),
                created_by=cls.colleague,
                authors=[cls.colleague_author],
                section=cls.section,
                stage=Article.Stage.APPROVED,
            ),
        }
        scheduled_for = timezone.make_aware(datetime(2031, 5, 5, 9, 0))
        Article.objects.filter(pk=cls.stories["E"].pk).update(
            status=Article.Status.SCHEDULED, published_at=scheduled_for
        )

    def listed(self, content: str) -> set[str]:
        return {key for key, headline in HEADLINES.items() if headline in content}

    def as_role(self, role):
        self.client.force_login(self.users[role])
        return self.users[role]

    # --- The rule itself ---------------------------------------------------------------------

    def test_can_view_and_the_list_rule_agree_for_every_story(self):
        for role in ROLES:
            user = self.users[role]
            with self.subTest(role=role):
                listed = set(
                    Article.objects.filter(workflow.viewable_by(user)).values_list("pk", flat=True)
                )
                for key, story in self.stories.items():
                    story.refresh_from_db()
                    self.assertEqual(workflow.can_view(user, story), key in VISIBLE[role], key)
                    self.assertEqual(story.pk in listed, key in VISIBLE[role], key)
                    if workflow.can_edit(user, story):  # Whoever may edit a story may open it.
                        self.assertTrue(workflow.can_view(user, story), key)
                        self.assertTrue(holds(workflow.editable_by(user), story), key)

    def test_one_story_is_decided_with_one_query(self):
        user = self.users["Writer"]
        user.has_perm("articles.view_article")  # Django caches a login's permissions.
        for key in "BCD":
            with self.assertNumQueries(1):  # id = <story> AND id IN (own UNION bylined)
                self.assertEqual(workflow.can_view(user, self.stories[key]), key in "BC")
        editor = self.users["Editor"]
        editor.has_perm("articles.view_article")
        with self.assertNumQueries(0):
            self.assertTrue(workflow.can_view(editor, self.stories["D"]))

    def test_no_login_no_stories(self):
        from django.contrib.auth.models import AnonymousUser

        self.assertFalse(Article.objects.filter(workflow.viewable_by(AnonymousUser())).exists())
        self.assertFalse(workflow.can_view(AnonymousUser(), self.stories["F"]))
        inactive = make_user("gone", role="Editor")
        inactive.is_active = False
        self.assertFalse(Article.objects.filter(workflow.viewable_by(inactive)).exists())

    # --- The story list, its filters, counts, search and dates -------------------------------

    def test_story_list_and_its_filters(self):
        colleague_author = str(self.colleague_author.pk)
        cases = [
            ({}, set(HEADLINES)),
            ({"stage__exact": "draft"}, {"A", "B", "C", "D"}),
            ({"state": "not_published"}, {"A", "B", "C", "D"}),
            ({"state": "scheduled"}, {"E"}),
            ({"state": "live"}, {"F"}),
            ({"authors__id__exact": colleague_author}, {"D", "E", "F"}),
            ({"section__id__exact": str(self.section.pk)}, set(HEADLINES)),
            ({"q": "quokka"}, set(HEADLINES)),
            *([({"q": "zanzibar"}, {"D"})] if connection.vendor == "postgresql" else []),
            ({"published_at__year": "2031"}, {"E"}),
        ]
        for role in ROLES:
            self.as_role(role)
            for params, matching in cases:
                with self.subTest(role=role, params=params):
                    response = self.client.get(ARTICLES, params)
                    self.assertEqual(response.status_code, 200)
                    self.assertEqual(
                        self.listed(response.content.decode()), matching & VISIBLE[role]
                    )
                    self.assertEqual(
                        response.context["cl"].result_count, len(matching & VISIBLE[role])
                    )

    def test_filter_counts_count_only_what_the_user_may_open(self):
        for role in ROLES:
            self.as_role(role)
            with self.subTest(role=role):
                response = self.client.get(ARTICLES, {"_facets": "1"})
                drafts = len({"A", "B", "C", "D"} & VISIBLE[role])
                self.assertContains(response, f"Draft ({drafts})")
                self.assertContains(response, f"Not published ({drafts})")
                scheduled = len({"E"} & VISIBLE[role])
                self.assertContains(response, f"Scheduled ({scheduled})")
                self.assertContains(
                    response,
                    f"{self.colleague_author.name} ({len({'D', 'E', 'F'} & VISIBLE[role])})",
                )

    def test_date_hierarchy_offers_only_dates_of_stories_the_user_may_open(self):
        for role in ROLES:
            self.as_role(role)
            with self.subTest(role=role):
                content = self.client.get(ARTICLES).content.decode()
                self.assertEqual("published_at__year=2031" in content, "E" in VISIBLE[role])

    def test_list_costs_the_same_however_many_stories_are_listed(self):
        user = self.as_role("Writer")
        self.client.get(ARTICLES)

        def count():
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(ARTICLES).status_code, 200)
            return len(queries)

        before = count()
        self.add_stories(user)
        self.assertEqual(count(), before)

    def add_stories(self, user):
        author = Author.objects.get(user=user)
        for n in range(12):
            make_article(
                headline=f"More of mine {n}",
                created_by=user,
                published=n % 2 == 0,
                section=self.section,
                authors=[author],
                stage=Article.Stage.IN_REVIEW if n % 3 == 0 else Article.Stage.DRAFT,
            )

    def test_desk_and_picker_cost_the_same_however_many_stories_they_list(self):
        user = self.as_role("Writer")
        picker = {
            "app_label": "articles",
            "model_name": "relatedlink",
            "field_name": "to_article",
            "term": "",
        }

        def count(url, params=None):
            self.client.get(url, params)
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url, params).status_code, 200)
            return len(queries)

        before = (count("/admin/"), count(AUTOCOMPLETE, picker))
        self.add_stories(user)
        content = self.client.get("/admin/").content.decode()
        self.assertIn("More of mine 3", content)
        self.assertEqual((count("/admin/"), count(AUTOCOMPLETE, picker)), before)

    # --- Pickers and autocompletes ------------------------------------------------------------

    def autocomplete(self, term):
        response = self.client.get(
            AUTOCOMPLETE,
            {
                "app_label": "articles",
                "model_name": "relatedlink",
                "field_name": "to_article",
                "term": term,
            },
        )
        self.assertEqual(response.status_code, 200)
        return {row["text"] for row in response.json()["results"]}

    def test_related_story_autocomplete(self):
        for role in ROLES:
            self.as_role(role)
            with self.subTest(role=role):
                shown = {key for key, h in HEADLINES.items() if h in self.autocomplete("quokka")}
                self.assertEqual(shown, VISIBLE[role])
                if connection.vendor == "postgresql":  # A word of the body.
                    self.assertEqual(bool(self.autocomplete("zanzibar")), "D" in VISIBLE[role])
                self.assertEqual(bool(self.autocomplete("Delta")), "D" in VISIBLE[role])

    def test_picture_and_author_autocompletes_are_the_shared_library(self):
        # Pictures and author profiles are shared by the whole newsroom: every role that may
        # pick one finds every one (they say nothing about any story).
        for role in ROLES:
            self.as_role(role)
            with self.subTest(role=role):
                response = self.client.get(
                    AUTOCOMPLETE,
                    {
                        "app_label": "articles",
                        "model_name": "byline",
                        "field_name": "author",
                        "term": "Colin",
                    },
                )
                self.assertEqual(
                    [r["text"] for r in response.json()["results"]], ["Colin Colleague"]
                )

    def test_a_crafted_pick_of_a_story_the_user_may_not_open_is_refused(self):
        for role, own in [("Writer", "B"), ("Contributor", "A"), ("Editor", "B")]:
            self.as_role(role)
            story = self.stories[own]
            story.refresh_from_db()
            with self.subTest(role=role):
                data = change_form(story) | {
                    "picks-TOTAL_FORMS": 1,
                    "picks-0-to_article": self.stories["D"].pk,
                    "picks-0-position": 0,
                }
                response = self.client.post(f"{ARTICLES}{story.pk}/change/", data)
                picked = RelatedLink.objects.filter(
                    from_article=story, to_article=self.stories["D"]
                ).exists()
                if "D" in VISIBLE[role]:
                    self.assertEqual(response.status_code, 302)
                    self.assertTrue(picked)
                else:
                    self.assertContains(response, "Select a valid choice")
                    self.assertFalse(picked)

    def test_a_pick_someone_else_made_does_not_block_a_save(self):
        writer = self.as_role("Writer")
        story = self.stories["B"]
        RelatedLink.objects.create(from_article=story, to_article=self.stories["D"], position=0)
        link = RelatedLink.objects.get(from_article=story)
        data = change_form(story, headline="Bravo, retitled") | {
            "picks-TOTAL_FORMS": 1,
            "picks-INITIAL_FORMS": 1,
            "picks-0-id": link.pk,
            "picks-0-from_article": story.pk,
            "picks-0-to_article": self.stories["D"].pk,
            "picks-0-position": 0,
        }
        response = self.client.post(f"{ARTICLES}{story.pk}/change/", data)
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        story.refresh_from_db()
        self.assertEqual(story.headline, "Bravo, retitled")
        self.assertTrue(workflow.can_edit(writer, story))

    # --- Pages of one story and the desk ------------------------------------------------------

    def test_pages_of_a_story_the_user_may_not_open_answer_403(self):
        story = self.stories["D"]
        for role in ROLES:
            self.as_role(role)
            for url in [
                f"{ARTICLES}{story.pk}/change/",
                f"{ARTICLES}{story.pk}/history/",
                f"{ARTICLES}{story.pk}/preview/",
            ]:
                with self.subTest(role=role, url=url):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 200 if "D" in VISIBLE[role] else 403)

    def test_desk_lists_only_stories_the_user_may_open(self):
        now = timezone.now()
        Article.objects.filter(pk=self.stories["E"].pk).update(
            published_at=now + timedelta(hours=2)
        )
        Article.objects.filter(pk=self.stories["D"].pk).update(stage=Article.Stage.IN_REVIEW)
        Article.objects.filter(pk=self.stories["C"].pk).update(stage=Article.Stage.IN_REVIEW)
        workflow.correct(
            self.stories["F"], by=self.users["Editor"], kind="correction", text="Fixed a name."
        )
        for role in ROLES:
            self.as_role(role)
            with self.subTest(role=role):
                content = self.client.get("/admin/").content.decode()
                desk = content[content.index('class="newsroom-dashboard"') :]
                desk = desk[: desk.index("</section>")]
                # Their own drafts (My drafts), C and D in review, E soon, F published.
                expected = VISIBLE[role] - ({"A", "B"} - {"A" if role == "Contributor" else "B"})
                if role in {"Editor", "superuser"}:
                    expected = {"C", "D", "E", "F"}
                self.assertEqual(self.listed(desk), expected)

    def test_admin_queryset_is_the_rule(self):
        """ArticleAdmin.get_queryset is where every admin list starts."""
        from django.contrib import admin
        from django.test import RequestFactory

        model_admin = admin.site._registry[Article]
        self.assertIsInstance(model_admin, ArticleAdmin)
        for role in ROLES:
            request = RequestFactory().get(ARTICLES)
            request.user = self.users[role]
            keys = {
                key
                for key, story in self.stories.items()
                if model_admin.get_queryset(request).filter(pk=story.pk).exists()
            }
            self.assertEqual(keys, VISIBLE[role], role)


class SubqueryRuleTests(TestCase):
    """common.qeval asks the database about an ``in`` over a one-column subquery, and only
    that: anything wider is refused rather than answered differently from the database."""

    def test_a_subquery_of_one_column_is_asked_for_this_value(self):
        from django.db.models import Q

        story = make_article(headline="Subquery")
        other = make_article(headline="Other")
        rule = Q(pk__in=Article.objects.filter(headline="Subquery").values("pk"))
        with self.assertNumQueries(1):
            self.assertTrue(holds(rule, story))
        self.assertFalse(holds(rule, other))
        with self.assertNumQueries(0):  # The column part settles an OR first.
            self.assertTrue(holds(Q(headline="Other") | rule, other))
        either = Q(
            pk__in=Article.objects.filter(headline="Subquery")
            .order_by()
            .values("pk")
            .union(Article.objects.filter(headline="Other").order_by().values("pk"), all=True)
        )
        self.assertTrue(holds(either, story) and holds(either, other))
        for refused in [
            Q(pk__in=Article.objects.values("pk", "headline")),  # Two columns.
            Q(section_id__in=Article.objects.values("section_id")),  # Not the primary key.
        ]:
            with self.subTest(refused=refused), self.assertRaises(ValueError):
                holds(refused, story)
        with self.assertNumQueries(0):  # An unsaved row's id is NULL: in nothing, as in SQL.
            self.assertFalse(holds(rule, Article(headline="Subquery")))

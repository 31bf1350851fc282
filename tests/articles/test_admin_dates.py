"""The admin story list's date hierarchy (years, months, days above the list): the links
editors had from Django, found by index probes instead of a DISTINCT over every story."""

import re
import unittest
from datetime import UTC, datetime
from unittest import mock

from django.contrib.admin.templatetags import admin_list
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from articles.admin import dates as admin_dates
from articles.models import Article
from tests.factories import make_article, make_section, make_user

LIST = "/admin/articles/article/"


def at(*args):
    return datetime(*args, tzinfo=UTC)


class DateHierarchyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = make_section("City")
        cls.sport = make_section("Sport")
        # 2020 and 2022 hold nothing; 23:30 UTC on 30 June is 00:30 on 1 July in London.
        make_article(headline="Flood", section=cls.city, published_at=at(2019, 3, 4, 9))
        make_article(headline="Budget", section=cls.city, published_at=at(2021, 6, 30, 23, 30))
        make_article(headline="Ferry", section=cls.city, published_at=at(2021, 11, 2, 8))
        make_article(headline="Final", section=cls.sport, published_at=at(2023, 5, 6, 18))
        make_article(headline="Derby", section=cls.sport, published_at=at(2023, 5, 20, 12))
        make_article(headline="Draft", section=cls.sport, published=False)

    def setUp(self):
        self.client.force_login(make_user("chief", superuser=True))

    def hierarchy(self, **params):
        """The date links of the page, and the same as Django's own tag finds them."""
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(LIST, params)
        self.assertEqual(response.status_code, 200)
        sql = [q["sql"] for q in ctx.captured_queries]
        self.assertFalse([q for q in sql if "DISTINCT" in q], "the dates come from probes")
        choices = [
            (choice.get("link"), choice["title"])
            for choice in admin_dates.date_hierarchy(response.context["cl"])["choices"]
        ]
        django = admin_list.date_hierarchy(response.context["cl"])
        self.assertEqual(admin_dates.date_hierarchy(response.context["cl"]), django)
        for link, _title in choices:
            if link:
                self.assertContains(response, f'href="{link.replace("&", "&amp;")}"')
        self.sql = sql
        return [title for _link, title in choices], django["back"], response

    def test_years_with_stories_only(self):
        years, back, response = self.hierarchy()
        self.assertEqual(years, ["2019", "2021", "2023"])
        self.assertIsNone(back)
        self.assertContains(response, 'href="?published_at__year=2021"')

    def test_months_of_a_year_in_local_time(self):
        months, back, _ = self.hierarchy(published_at__year="2021")
        self.assertEqual(months, ["July 2021", "November 2021"])  # Not June: London time.
        self.assertEqual(back, {"link": "?", "title": "All dates"})

    def test_days_of_a_month(self):
        days, back, _ = self.hierarchy(published_at__year="2023", published_at__month="5")
        self.assertEqual(days, ["6 May", "20 May"])
        self.assertEqual(back["link"], "?published_at__year=2023")

    def test_a_filtered_list_of_one_year_starts_at_its_months(self):
        months, back, _ = self.hierarchy(
            section__id__exact=self.city.pk, published_at__gte="2021-01-01"
        )
        self.assertEqual(months, ["July 2021", "November 2021"])
        self.assertEqual(back["title"], "All dates")

    def test_a_filtered_list_of_one_month_starts_at_its_days(self):
        days, back, _ = self.hierarchy(section__id__exact=self.sport.pk)
        self.assertEqual(days, ["6 May", "20 May"])
        self.assertEqual(
            back["link"], f"?published_at__year=2023&section__id__exact={self.sport.pk}"
        )

    def test_an_empty_list_has_no_dates_and_asks_nothing_about_them(self):
        years, _back, _ = self.hierarchy(q="zzzqqq")
        self.assertEqual(years, [])
        # Neither Django's MIN/MAX and DISTINCT over the list nor a probe: the list is empty.
        self.assertFalse(
            [q for q in self.sql if "articles_article" in q and re.search(r"MIN\(|LIMIT 1\b", q)]
        )

    def test_a_year_without_stories(self):
        months, back, _ = self.hierarchy(published_at__year="2020")
        self.assertEqual(months, [])
        self.assertEqual(back["title"], "All dates")

    def test_a_long_list_is_probed_in_one_query(self):
        """Past admin_dates.FEW stories, one query of per-year probes (plus the table's date
        range) instead of reading the list's dates."""
        with mock.patch.object(admin_dates, "FEW", 1):
            for params, expected in [
                ({}, ["2019", "2021", "2023"]),
                ({"published_at__year": "2021"}, ["July 2021", "November 2021"]),
                ({"section__id__exact": self.sport.pk}, ["6 May", "20 May"]),
                ({"published_at__gte": "2021-01-01"}, ["2021", "2023"]),
            ]:
                with self.subTest(params=params):
                    self.assertEqual(self.hierarchy(**params)[0], expected)

    def test_a_long_list_costs_two_date_queries(self):
        with mock.patch.object(admin_dates, "FEW", 1), CaptureQueriesContext(connection) as ctx:
            self.client.get(LIST)
        dated = [q["sql"] for q in ctx.captured_queries if "published_at" in q["sql"]]
        # The rows, the table's date range (MIN/MAX on the index), one query of probes.
        self.assertEqual(len(dated), 3, dated)
        self.assertEqual(dated[-1].count("LIMIT 1"), 5)  # 2019 to 2023


class PendingFilterTests(TestCase):
    """ "Live with pending changes": the stories whose newest revision is not the live one,
    counted on a partial index of just those (a sequential scan of the table without it)."""

    @classmethod
    def setUpTestData(cls):
        cls.pending = make_article(headline="Pending", revision_number=3, live_revision_number=2)
        cls.current = make_article(headline="Current", revision_number=2, live_revision_number=2)
        cls.draft = make_article(headline="Draft", published=False, revision_number=4)

    def test_lists_the_stories_with_pending_changes(self):
        self.client.force_login(make_user("chief", superuser=True))
        response = self.client.get(LIST, {"state": "pending"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual([a.headline for a in response.context["cl"].result_list], ["Pending"])
        self.assertContains(response, "Live, pending changes")

    @unittest.skipUnless(connection.vendor == "postgresql", "PostgreSQL's plan")
    def test_the_count_reads_the_pending_index(self):
        from articles.admin.stories import StateFilter

        queryset = StateFilter(None, {"state": ["pending"]}, Article, None).queryset(
            None, Article.objects.all()
        )
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = queryset.explain()
        self.assertIn("article_pending_idx", plan)


def plan_by_index(sql: str) -> str:
    """PostgreSQL's plan for ``sql`` with scans of the whole table and sorts priced out: on a
    few rows the planner's choice between an index and a sort varies with the table's
    statistics (an autovacuum's analyze mid-run flipped it once), and the question is only
    whether an index serves this ORDER BY at all."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


class HeadlineSortTests(TestCase):
    """The list sorted by headline, either way, walks the headline index (a sort of the whole
    table without it)."""

    @classmethod
    def setUpTestData(cls):
        for headline in ["Bridge", "Apple harvest", "Council", "Bridge"]:
            make_article(headline=headline)

    def setUp(self):
        self.client.force_login(make_user("chief", superuser=True))

    def listed(self, order):
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(LIST, {"o": order})
        self.assertEqual(response.status_code, 200)
        rows = response.context["cl"].result_list
        self.sql = next(
            q["sql"]
            for q in ctx.captured_queries
            if 'ORDER BY "articles_article"."headline' in q["sql"]
        )
        return [(a.headline, a.pk) for a in rows]

    def test_sorted_by_headline_either_way(self):
        ascending = self.listed("0")
        self.assertEqual(
            [h for h, _ in ascending], ["Apple harvest", "Bridge", "Bridge", "Council"]
        )
        self.assertGreater(ascending[1][1], ascending[2][1])  # Ties: newest row first.
        descending = self.listed("-0")
        self.assertEqual(
            [h for h, _ in descending], ["Council", "Bridge", "Bridge", "Apple harvest"]
        )
        self.assertGreater(descending[1][1], descending[2][1])

    @unittest.skipUnless(connection.vendor == "postgresql", "PostgreSQL's plan")
    def test_either_way_reads_the_headline_index(self):
        for order in ["0", "-0"]:
            with self.subTest(order=order):
                self.listed(order)
                self.assertIn("article_headline_idx", plan_by_index(self.sql))


class PublicationSortTests(TestCase):
    """The list sorted by its Publication column (the status, then the newest row), either
    way, walks an index (a sort of the whole table without one)."""

    @classmethod
    def setUpTestData(cls):
        make_article(headline="Live one")
        make_article(headline="A draft", published=False)
        make_article(headline="Live two")

    def setUp(self):
        self.client.force_login(make_user("chief", superuser=True))

    def listed(self, order):
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(LIST, {"o": order})
        self.assertEqual(response.status_code, 200)
        self.sql = next(
            q["sql"]
            for q in ctx.captured_queries
            if 'ORDER BY "articles_article"."status' in q["sql"]
        )
        return [a.headline for a in response.context["cl"].result_list]

    def test_sorted_by_publication_either_way(self):
        self.assertEqual(self.listed("1"), ["A draft", "Live two", "Live one"])
        self.assertEqual(self.listed("-1"), ["Live two", "Live one", "A draft"])

    @unittest.skipUnless(connection.vendor == "postgresql", "PostgreSQL's plan")
    def test_either_way_reads_an_index_in_order(self):
        for order in ["1", "-1"]:
            with self.subTest(order=order):
                self.listed(order)
                plan = plan_by_index(self.sql)
                self.assertIn("article_status_", plan)
                self.assertNotIn("Sort", plan)

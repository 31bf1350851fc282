"""Races with real concurrency: two editors saving one story at the same moment, and two
publish_due workers running at the same moment.

PostgreSQL only. SQLite has one writer for the whole database and no SELECT ... FOR UPDATE, so
these races cannot be staged there. Each concurrent party has its own database connection (a
thread, or a separate ``manage.py`` process); to be sure they really overlap, a helper holds the
story's row lock until all of them are waiting for it, then lets them go at once.
"""

import contextlib
import importlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from unittest import skipUnless
from urllib.parse import quote

from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client, TransactionTestCase
from django.utils import timezone

import pagecache as page_cache
from articles import workflow
from articles.models import Article, AuditEntry, Revision, StoryLink
from tests.factories import make_author, make_section, make_user

from .test_editorial import change_url, form_data, story_data

POSTGRES_ONLY = skipUnless(
    connection.vendor == "postgresql",
    "race tests need PostgreSQL (row locks and concurrent writers); SQLite serialises writes",
)


def ensure_roles():
    """The role groups, as the data migration makes them (a TransactionTestCase's flush
    empties every table, groups included)."""
    importlib.import_module("articles.migrations.0002_roles").create_roles(django_apps, None)


def waiting_for_locks() -> int:
    """How many connections to this database are waiting for a lock right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@contextlib.contextmanager
def row_held(pk):
    """Hold story ``pk``'s row lock (in a helper thread with its own connection) until the
    block's ``release()`` is called or the block ends."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Article.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert locked.wait(timeout=30), "could not take the row lock"
    try:
        yield release.set
    finally:
        release.set()
        holder.join(timeout=60)


def let_go_when_waiting(release, parties, timeout=15.0) -> bool:
    """Release the held row once ``parties`` connections queue for it (or after ``timeout``).
    Returns whether they all really waited at once."""
    deadline = time.monotonic() + timeout
    overlapped = False
    while time.monotonic() < deadline:
        if waiting_for_locks() >= parties:
            overlapped = True
            break
        time.sleep(0.02)
    release()
    return overlapped


def run_in_threads(functions, *, hold_pk):
    """Start ``functions`` together (a barrier), each in its own thread and connection, while
    story ``hold_pk`` is locked; release it when all are queued. Returns (results, overlapped)
    where each result is ("ok", value) or ("error", exception)."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def run(index, function):
        try:
            Article.objects.filter(pk=hold_pk).exists()  # Connect before the start line.
            barrier.wait(timeout=30)
            results[index] = ("ok", function())
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[index] = ("error", exc)
        finally:
            connections.close_all()

    with row_held(hold_pk) as release:
        threads = [
            threading.Thread(target=run, args=(i, f), daemon=True) for i, f in enumerate(functions)
        ]
        for thread in threads:
            thread.start()
        overlapped = let_go_when_waiting(release, len(functions))
        for thread in threads:
            thread.join(timeout=60)
    assert all(not thread.is_alive() for thread in threads), "a thread did not finish"
    return results, overlapped


@POSTGRES_ONLY
class SimultaneousSaveTests(TransactionTestCase):
    def setUp(self):
        ensure_roles()
        self.section = make_section("City", slug="city")
        self.author = make_author("Ana Costa")
        self.alice = make_user("alice", role="Editor")
        self.bob = make_user("bob", role="Editor")
        self.article = workflow.create(
            story_data(
                self.section, headline="Tram line opens", bylines=[(self.author, "reporter")]
            ),
            by=self.alice,
        )

    def test_two_saves_of_the_same_revision_at_once_one_wins_the_other_is_stale(self):
        base = self.article.revision_number
        revisions_before = Revision.objects.filter(article=self.article).count()

        def save_as(user, headline):
            def save():
                story = Article.objects.get(pk=self.article.pk)
                data = story_data(self.section, headline=headline)
                return workflow.save(story, data, by=user, base_revision=base).number

            return save

        results, overlapped = run_in_threads(
            [save_as(self.alice, "Tram line opens on time"), save_as(self.bob, "Tram delayed")],
            hold_pk=self.article.pk,
        )

        self.assertTrue(overlapped, "both saves should have been waiting for the row at once")
        outcomes = sorted(kind for kind, _ in results)
        self.assertEqual(outcomes, ["error", "ok"], results)
        (error,) = [value for kind, value in results if kind == "error"]
        self.assertIsInstance(error, workflow.StaleRevision)
        (winner,) = [i for i, (kind, _) in enumerate(results) if kind == "ok"]
        winning_headline = ["Tram line opens on time", "Tram delayed"][winner]

        self.article.refresh_from_db()
        self.assertEqual(self.article.revision_number, base + 1)
        self.assertEqual(self.article.headline, winning_headline)
        self.assertEqual(
            Revision.objects.filter(article=self.article).count(), revisions_before + 1
        )
        self.assertEqual(
            Revision.objects.get(article=self.article, number=base + 1).data["headline"],
            winning_headline,
        )
        self.assertEqual(
            AuditEntry.objects.filter(article=self.article, action=AuditEntry.Action.EDIT).count(),
            1,
        )

    def test_two_admin_forms_posted_at_once_one_is_saved_the_other_refused(self):
        clients, forms = [], []
        for user, headline in [(self.alice, "Tram line opens on time"), (self.bob, "Tram delayed")]:
            client = Client()
            client.force_login(user)
            page = client.get(change_url(self.article))
            self.assertEqual(page.status_code, 200)
            clients.append(client)
            forms.append(form_data(page, headline=headline))
        revisions_before = Revision.objects.filter(article=self.article).count()

        def post(index):
            def send():
                response = clients[index].post(change_url(self.article), forms[index])
                return response.status_code, response.content.decode()

            return send

        results, overlapped = run_in_threads([post(0), post(1)], hold_pk=self.article.pk)

        self.assertTrue(overlapped, "both posts should have been waiting for the row at once")
        self.assertEqual([kind for kind, _ in results], ["ok", "ok"], results)
        statuses = sorted(value[0] for _, value in results)
        self.assertEqual(statuses, [200, 302])
        (refused,) = [value[1] for _, value in results if value[0] == 200]
        (winner,) = [i for i, (_, value) in enumerate(results) if value[0] == 302]
        loser_headline = forms[1 - winner]["headline"]
        self.assertIn("Someone saved a newer version", refused)
        self.assertIn(f'value="{loser_headline}"', refused)

        self.article.refresh_from_db()
        self.assertEqual(self.article.headline, forms[winner]["headline"])
        self.assertEqual(self.article.revision_number, 2)
        self.assertEqual(
            Revision.objects.filter(article=self.article).count(), revisions_before + 1
        )


STORIES = 30


@POSTGRES_ONLY
class SimultaneousPublishDueTests(TransactionTestCase):
    def setUp(self):
        ensure_roles()
        section = make_section("World", slug="world")
        editor = make_user("editor", role="Editor")
        self.pks = []
        for n in range(STORIES):
            story = workflow.create(story_data(section, headline=f"Scheduled story {n}"), by=editor)
            workflow.publish(story, by=editor, at=timezone.now() + timedelta(hours=1))
            self.pks.append(story.pk)
        # Their time has come (the workers below run on the real clock).
        Article.objects.filter(pk__in=self.pks).update(
            published_at=timezone.now() - timedelta(minutes=1)
        )
        self.assertEqual(Article.objects.filter(status=Article.Status.SCHEDULED).count(), STORIES)

    def assertEachPublishedOnce(self):
        self.assertEqual(
            Article.objects.filter(pk__in=self.pks, status=Article.Status.PUBLISHED).count(),
            STORIES,
        )
        went_live = AuditEntry.objects.filter(action=AuditEntry.Action.WENT_LIVE)
        self.assertEqual(went_live.count(), STORIES)
        self.assertEqual(sorted(went_live.values_list("article_id", flat=True)), sorted(self.pks))
        self.assertEqual(workflow.publish_due(), [], "nothing is left for a later run")

    def test_two_publish_due_threads_at_once_publish_each_story_once(self):
        results, overlapped = run_in_threads(
            [workflow.publish_due, workflow.publish_due], hold_pk=self.pks[0]
        )
        self.assertTrue(overlapped, "both runs should have been waiting for the row at once")
        self.assertEqual([kind for kind, _ in results], ["ok", "ok"], results)
        done = [pk for _, value in results for pk in value]
        self.assertEqual(sorted(done), sorted(self.pks))
        self.assertEachPublishedOnce()

    def test_two_publish_due_processes_at_once_publish_each_story_once(self):
        db = connection.settings_dict
        url = "postgres://{user}{password}@{host}:{port}/{name}".format(
            user=quote(db["USER"] or "", safe=""),
            password=f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "",
            host=db["HOST"] or "localhost",
            port=db["PORT"] or 5432,
            name=db["NAME"],
        )
        cache_dir = tempfile.mkdtemp(prefix="newsroom-race-cache-")
        env = os.environ | {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "CACHE_DIR": cache_dir,
            "DB_CONN_MAX_AGE": "0",
        }
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "publish_due"]
        with row_held(self.pks[0]) as release:
            workers = [
                subprocess.Popen(
                    command,
                    cwd=settings.BASE_DIR,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            overlapped = let_go_when_waiting(release, 2, timeout=60)
            outputs = [worker.communicate(timeout=120) for worker in workers]
        for worker, (_out, err) in zip(workers, outputs, strict=True):
            self.assertEqual(worker.returncode, 0, err)
        self.assertTrue(overlapped, "both workers should have been waiting for the row at once")
        published = sum(int(out.split()[0]) for out, _ in outputs)
        self.assertEqual(published, STORIES, [out for out, _ in outputs])
        self.assertEachPublishedOnce()


@POSTGRES_ONLY
class SimultaneousRelatedPublishTests(TransactionTestCase):
    """Two editors publish changes to two stories related to each other at the same moment.
    Working out a story's links writes rows pointing at the other story; done inside the
    publish transaction (which holds its own story's row) the two waited for each other and
    PostgreSQL killed one as a deadlock (bench/soak.py found it)."""

    def setUp(self):
        ensure_roles()
        self.section = make_section("City", slug="city")
        self.alice = make_user("alice", role="Editor")
        self.bob = make_user("bob", role="Editor")
        self.stories = []
        for headline in ("Tram line opens", "Tram fares rise"):
            story = workflow.create(
                story_data(self.section, headline=headline) | {"tags": ["trams", "city"]},
                by=self.alice,
            )
            workflow.publish(story, by=self.alice)
            story.refresh_from_db()
            workflow.save(
                story,
                story_data(self.section, headline=headline + " (updated)")
                | {"tags": ["trams", "city"]},
                by=self.alice,
                base_revision=story.revision_number,
            )
            self.stories.append(story.pk)

    def test_publishing_two_related_stories_at_once_does_not_deadlock(self):
        both_inside = threading.Barrier(2)
        waited = threading.local()
        purge = page_cache.purge

        def purge_when_both_hold_their_rows(*keys):
            # Inside publish, after each thread has locked and saved its own story: wait for
            # the other, so both go on to the links while holding their rows.
            if not getattr(waited, "done", False):
                waited.done = True
                both_inside.wait(timeout=30)
            return purge(*keys)

        def publish_as(user, pk):
            def publish():
                with transaction.atomic():
                    workflow.publish(Article.objects.get(pk=pk), by=user)
                return pk

            return publish

        results = [None, None]

        def run(index, function):
            try:
                results[index] = ("ok", function())
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                results[index] = ("error", exc)
            finally:
                connections.close_all()

        page_cache.purge = purge_when_both_hold_their_rows
        try:
            threads = [
                threading.Thread(target=run, args=(i, publish_as(user, pk)), daemon=True)
                for i, (user, pk) in enumerate(
                    zip((self.alice, self.bob), self.stories, strict=True)
                )
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        finally:
            page_cache.purge = purge
        self.assertEqual([kind for kind, _ in results], ["ok", "ok"], results)
        for pk in self.stories:
            story = Article.objects.get(pk=pk)
            self.assertTrue(story.headline.endswith("(updated)"))
            self.assertEqual(story.live_revision_number, story.revision_number)
        # Each links to the other (worked out after the publish committed).
        self.assertEqual(
            set(StoryLink.objects.values_list("article_id", "story_id")),
            {(self.stories[0], self.stories[1]), (self.stories[1], self.stories[0])},
        )


@POSTGRES_ONLY
class LinksWorkedOutWhileANeighbourIsPublishedTests(TransactionTestCase):
    """A reader's first view works a story's links out while an editor publishes a story that
    belongs among them. The publish marks the first story's links out of date; that mark must
    not be overwritten by links worked out before the new story was live."""

    def setUp(self):
        ensure_roles()
        self.section = make_section("City", slug="city")
        self.editor = make_user("alice", role="Editor")
        self.first = workflow.create(
            story_data(self.section, headline="Tram line opens") | {"tags": ["trams"]},
            by=self.editor,
        )
        workflow.publish(self.first, by=self.editor)
        self.second = workflow.create(
            story_data(self.section, headline="Tram fares rise") | {"tags": ["trams"]},
            by=self.editor,
        )

    def test_a_publish_during_a_first_view_is_not_lost(self):
        from articles import related

        computed, go = threading.Event(), threading.Event()
        work_out = related._work_out

        def pausing_work_out(article, limit):
            result = work_out(article, limit)
            if article.pk == self.first.pk and threading.current_thread().name == "reader":
                computed.set()
                go.wait(timeout=30)
            return result

        errors = []

        def reader():
            try:
                related.refresh(Article.objects.get(pk=self.first.pk))
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                errors.append(exc)
            finally:
                connections.close_all()

        def editor():
            try:
                workflow.publish(Article.objects.get(pk=self.second.pk), by=self.editor)
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                errors.append(exc)
            finally:
                connections.close_all()

        related._work_out = pausing_work_out
        try:
            reading = threading.Thread(target=reader, name="reader", daemon=True)
            reading.start()
            self.assertTrue(computed.wait(timeout=30))
            publishing = threading.Thread(target=editor, name="editor", daemon=True)
            publishing.start()
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and not waiting_for_locks():
                time.sleep(0.02)
            go.set()
            reading.join(timeout=30)
            publishing.join(timeout=30)
        finally:
            related._work_out = work_out
        self.assertEqual(errors, [])
        page = Client().get(Article.objects.get(pk=self.first.pk).get_absolute_url())
        linked = [story.pk for story in page.context["related"]]
        if page.context["next_story"]:
            linked.append(page.context["next_story"].pk)
        self.assertIn(self.second.pk, linked)

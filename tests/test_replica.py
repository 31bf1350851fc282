"""Read replicas: reader pages read from a real streaming replica of the local PostgreSQL server;
a purge the replica has not replayed sends readers to the primary (so no cache ever keeps an old
page as fresh); the admin, staff and anyone who just wrote read from the primary; a replica
that goes away costs readers nothing.

The replica (tests/pg_replica.py) is a pg_basebackup of the server, taken once for the module
after the test database exists, and fed by streaming replication from then on. The tests commit
their rows (transactional tests): a TestCase's transaction would never reach a replica.
"""

import os

import pytest
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from articles import workflow
from articles.models import Article
from articles.reading import story_page
from common import db_routing
from tests import redis_server
from tests.factories import make_article, make_author, make_section, make_user
from tests.pg_replica import StreamingReplica, tools_found

ALIAS = "replica_test"
# Committed rows (a replica sees nothing else), on the primary and through the replica.
replica_db = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, ALIAS])
PORT = int(os.environ.get("TEST_REPLICA_PORT", "5499"))


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    if not tools_found():
        pytest.skip("needs PostgreSQL's server tools (pg_basebackup and pg_ctl) to start a replica")
    if connection.vendor != "postgresql":
        pytest.skip("read replicas are PostgreSQL streaming replicas: set DATABASE_URL")
    server = StreamingReplica(connections[DEFAULT_DB_ALIAS].settings_dict, PORT)
    try:
        server.start()
        # A database the tests below may use (their marks name it): it mirrors "default", so
        # the test database is not flushed through it (a replica is read-only).
        connections.settings[ALIAS] = server.settings_dict(
            connections[DEFAULT_DB_ALIAS].settings_dict
        )
        yield server
    finally:
        if ALIAS in connections.settings:
            connections[ALIAS].close()
            del connections.settings[ALIAS]
            if hasattr(connections._connections, ALIAS):
                delattr(connections._connections, ALIAS)
        server.remove()


def forget_replica_state():
    db_routing._replayed.clear()
    db_routing._down_until.clear()


@pytest.fixture
def routed(replica, settings):
    """The site with one replica, the real one, and the page cache on."""
    settings.NEWSROOM_DB_REPLICAS = [ALIAS]
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_DB_REPLICA_RETRY_SECONDS = 60
    forget_replica_state()
    yield replica
    connections[ALIAS].close()
    forget_replica_state()


def settle(replica):
    """As after a purge, with the replica caught up on it."""
    db_routing.record_purge_lsn()
    replica.catch_up()


def reader():
    # A replica failing mid-request is answered again from the primary: the first attempt's
    # exception must not be re-raised by the test client.
    return Client(raise_request_exception=False)


def read_from(response):
    return response.wsgi_request.read_database


@pytest.fixture
def newsroom(routed):
    editor = make_user("editor", role="Editor")
    section = make_section("World", slug="world")
    author = make_author("Ines Duarte")
    story = make_article(headline="Harbour reopens", section=section, authors=[author])
    return editor, section, author, story


@replica_db
def test_reader_pages_are_read_from_the_replica(routed, newsroom):
    _, _, _, story = newsroom
    settle(routed)
    client = reader()
    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        page = client.get(story.get_absolute_url())
    assert page.status_code == 200
    assert "Harbour reopens" in page.content.decode()
    assert read_from(page) == (ALIAS, "replica")
    # The story page's query is a prepared statement, prepared on the replica's own connection.
    statement = story_page.QUERY.statement
    assert any(f"EXECUTE {statement}" in query["sql"] for query in on_replica.captured_queries)
    assert statement in connections[ALIAS]._newsroom_prepared[1]
    for url in ("/", "/section/world/", "/feed/", "/search/?q=harbour"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert read_from(response) == (ALIAS, "replica"), url
    # The replica's server has the site's session, in the test database.
    with routed.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
            ["newsroom-replica-test", connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]],
        )
        assert cursor.fetchone()[0] >= 1

    # What readers see is the replica's: a change made on the primary with no purge (so the
    # replica is not asked to be caught up on it) is not there while its replay is paused.
    routed.pause()
    try:
        Article.objects.filter(pk=story.pk).update(headline="Changed on the primary only")
        page = client.get(story.get_absolute_url() + "?from=replica")
        assert read_from(page) == (ALIAS, "replica")
        assert "Harbour reopens" in page.content.decode()
        assert "Changed on the primary only" not in page.content.decode()
    finally:
        routed.resume()


@replica_db
def test_a_publish_the_replica_has_not_replayed_is_read_from_the_primary(routed, newsroom):
    editor, section, author, _ = newsroom
    draft = workflow.create(
        {
            "headline": "Dam holds overnight",
            "body": "<p>The dam held.</p>",
            "section": section.pk,
            "bylines": [{"author": author.pk, "role": "reporter"}],
        },
        by=editor,
    )
    settle(routed)
    client = reader()
    client.get("/")  # Starts the clocks of the page's keys (never purged yet): not stored.
    front = client.get("/")
    assert read_from(front) == (ALIAS, "replica")
    assert front["X-Cache"] == "miss"
    assert "Dam holds overnight" not in front.content.decode()
    assert client.get("/")["X-Cache"] == "hit"

    routed.pause()  # The replica lags: it has not seen the publish below.
    try:
        workflow.publish(draft, by=editor)
        front = client.get("/")
        # The purge of "/" recorded a WAL position the replica has not replayed: the page is
        # rendered from the primary, so what the page cache keeps as fresh is the new front.
        assert front["X-Cache"] == "miss"
        again = client.get("/")
        assert again["X-Cache"] == "hit"
        assert "Dam holds overnight" in again.content.decode()
        assert "Dam holds overnight" in front.content.decode()
        assert read_from(front) == (DEFAULT_DB_ALIAS, "replica behind the latest purge")
        draft.refresh_from_db()
        story = client.get(draft.get_absolute_url())
        assert story.status_code == 200
        assert "Dam holds overnight" in story.content.decode()
    finally:
        routed.resume()

    # Once the replica has replayed the publish, readers read from it again, and see it.
    routed.catch_up()
    story = client.get(draft.get_absolute_url() + "?after=replay")
    assert read_from(story) == (ALIAS, "replica")
    assert story.status_code == 200
    assert "Dam holds overnight" in story.content.decode()


@replica_db
def test_the_admin_staff_and_recent_writers_read_from_the_primary(routed, newsroom):
    editor, _, _, story = newsroom
    settle(routed)
    routed.pause()
    try:
        Article.objects.filter(pk=story.pk).update(headline="Saved a moment ago")
        staff = Client()
        staff.force_login(editor)
        with CaptureQueriesContext(connections[ALIAS]) as on_replica:
            change = staff.get(f"/admin/articles/article/{story.pk}/change/")
            desk = staff.get("/admin/articles/article/")
            page = staff.get(story.get_absolute_url())  # A signed-in editor on a reader page.
            health = reader().get("/healthz")
        assert change.status_code == desk.status_code == page.status_code == 200
        assert health.status_code == 200
        assert "Saved a moment ago" in change.content.decode()
        assert "Saved a moment ago" in page.content.decode()
        assert read_from(page) == (DEFAULT_DB_ALIAS, "primary only")
        assert on_replica.captured_queries == []

        # An anonymous reader is still on the (paused) replica.
        client = reader()
        assert "Saved a moment ago" not in client.get(story.get_absolute_url()).content.decode()

        # A browser that wrote is pinned to the primary for a few seconds: its own writes.
        wrote = client.post("/search/", {"q": "harbour"})
        pin = wrote.cookies[db_routing.PIN_COOKIE]
        assert pin["max-age"] == 10 and pin["httponly"]
        pinned = client.get(story.get_absolute_url() + "?mine")
        assert read_from(pinned) == (DEFAULT_DB_ALIAS, "primary only")
        assert "Saved a moment ago" in pinned.content.decode()
        # The pin makes nothing uncacheable: the page sets no cookie, is stored, and everyone
        # else is served that (primary's, so newest) page.
        assert not pinned.cookies
        assert pinned["X-Cache"] == "miss"
        other = reader().get(story.get_absolute_url() + "?mine")
        assert other["X-Cache"] == "hit"
    finally:
        routed.resume()


@replica_db
def test_a_replica_that_goes_away_costs_readers_nothing(routed, newsroom, settings):
    _, _, _, story = newsroom
    settle(routed)
    client = reader()
    assert read_from(client.get(story.get_absolute_url() + "?1")) == (ALIAS, "replica")

    routed.stop()
    # The open connection dies under the request: it is answered again from the primary.
    page = client.get(story.get_absolute_url() + "?2")
    assert page.status_code == 200
    assert "Harbour reopens" in page.content.decode()
    assert read_from(page) == (DEFAULT_DB_ALIAS, "replica failed")
    # Then the replica is left alone for a while: no attempt, straight to the primary.
    page = client.get(story.get_absolute_url() + "?3")
    assert page.status_code == 200
    assert read_from(page) == (DEFAULT_DB_ALIAS, "replicas down")
    assert ALIAS in db_routing._down_until
    # Tried again after that while: the connection is refused, and the request goes on.
    settings.NEWSROOM_DB_REPLICA_RETRY_SECONDS = 0
    db_routing._down_until.clear()
    page = client.get(story.get_absolute_url() + "?4")
    assert page.status_code == 200
    assert "Harbour reopens" in page.content.decode()
    assert read_from(page) == (DEFAULT_DB_ALIAS, "replicas down")


# --- Without a replica ------------------------------------------------------------------------


def test_outside_a_reader_request_everything_goes_to_the_primary(settings):
    settings.NEWSROOM_DB_REPLICAS = ["replica1"]
    router = db_routing.ReplicaRouter()
    assert router.db_for_read(Article) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Article) == DEFAULT_DB_ALIAS
    assert not router.allow_migrate("replica1", "articles")
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "articles")


def test_lsn_text_round_trip():
    for text in ("0/0", "0/16B3748", "16/B374D848", "FFFFFFFF/FFFFFFFF"):
        assert db_routing.format_lsn(db_routing.parse_lsn(text)) == text
    assert db_routing.parse_lsn("1/0") > db_routing.parse_lsn("0/FFFFFFFF")
    assert db_routing.parse_lsn(None) is None


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_the_purge_position_never_moves_back(backend):
    if backend == "redis":
        if not redis_server.available():
            pytest.skip("needs Redis")
        prefix = f"{redis_server.RUN_PREFIX}-lsn"
        caches_setting = {
            "default": {
                "BACKEND": "common.redis_cache.RedisCache",
                "LOCATION": redis_server.url(),
                "KEY_PREFIX": prefix,
            }
        }
    else:
        caches_setting = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=caches_setting):
        try:
            positions = db_routing._positions()
            high = db_routing.parse_lsn("1A/00000010")
            assert positions.raise_to(high) == high
            assert positions.raise_to(db_routing.parse_lsn("9/FFFFFFFF")) == high
            assert positions.get() == high
            higher = db_routing.parse_lsn("1A/00000100")
            assert positions.raise_to(higher) == higher
            assert positions.get() == higher
        finally:
            if backend == "redis":
                redis_server.forget_keys(f"{prefix}:")
            else:
                caches["default"].clear()


@pytest.mark.parametrize(
    ("method", "path", "cookies", "allowed"),
    [
        ("GET", "/", {}, True),
        ("HEAD", "/section/world/", {}, True),
        ("GET", "/feed/", {"csrftoken": "x"}, True),
        ("POST", "/search/", {}, False),
        ("GET", "/admin/", {}, False),
        ("GET", "/admin/articles/article/", {}, False),
        ("GET", "/preview/some-token/", {}, False),
        ("GET", "/healthz", {}, False),
        ("GET", "/", {"sessionid": "x"}, False),
        ("GET", "/", {db_routing.PIN_COOKIE: "1"}, False),
    ],
)
def test_which_requests_may_read_from_a_replica(rf, method, path, cookies, allowed):
    request = rf.generic(method, path)
    request.COOKIES.update(cookies)
    assert db_routing.replica_allowed(request) is allowed

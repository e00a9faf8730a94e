"""A database that is locked, slow or gone: the request that needs it gets a clear answer within Slack's 3 s, the
others go on, and /healthz says 503 within its bound (Limits.health_seconds); nothing freezes the process."""

from __future__ import annotations

import concurrent.futures
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bot.limits import Limits
from bot.views.add_modal import CALLBACK_ID as ADD_CALLBACK_ID
from tests.support.bot import SIGNING_SECRET, RunningBot, make_settings, serve
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect
from tests.support.installs import CLIENT_ID, install
from tests.support.proxy import RoundRobinProxy
from tests.support.unfurls import contact_link, contact_of, post_links
from tests.support.work_objects import enable, open_flexpane, wait_entity, wait_presented

STORE_DOWN = "cannot reach its database right now"
# The store's deadlines, shrunk (production's: 2 s a call, 1 s for /healthz and for freshness) and given to the bot
# through its settings: a request that needs the database must be answered within its call's bound (plus the
# request's own work), whatever the database does.
LIMITS = Limits(store_call_seconds=0.8, pool_wait_seconds=0.6, health_seconds=0.4, fresh_seconds=0.4)
ANSWERED = LIMITS.store_call_seconds + 0.7  # Slack's 3 s at production's limits


@contextlib.contextmanager
def bot_on(slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path, database_url: str,
           **settings: object) -> Iterator[tuple[RunningBot, SlackDriver]]:
    """The bot served on `database_url` (PostgreSQL), and a driver signing requests to it."""
    oauth = "slack_client_id" in settings  # a browser installs it: served on a port too
    bot = serve(make_settings(slack, leonar, tmp_path / "unused.db", database_url=database_url, limits=LIMITS,
                              **settings), listen=oauth)
    driver = SlackDriver(bot, SIGNING_SECRET, slack)
    try:
        yield bot, driver
    finally:
        driver.close()
        bot.stop()


def waiting_on_the_lock(url: str) -> None:
    """Returns once a request of the bot's waits on a lock in PostgreSQL."""
    deadline = time.monotonic() + 2
    with psycopg.connect(url, autocommit=True) as watcher:
        while not (row := watcher.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()) or \
                not row[0]:
            assert time.monotonic() < deadline, "no request reached the locked table"
            time.sleep(0.01)  # PostgreSQL says who waits when asked: polled


def test_a_locked_table_fails_the_requests_that_need_it_in_time_and_nothing_else(
    slack: FakeSlack, leonar: FakeLeonar, postgres_url: str, tmp_path: Path
) -> None:
    with bot_on(slack, leonar, tmp_path, postgres_url) as (bot, driver):
        connect(driver)  # the write drops the cached connection: the next request reads the table
        with psycopg.connect(postgres_url) as locker:  # a migration or a long transaction elsewhere
            locker.execute("LOCK TABLE leonar_connections IN ACCESS EXCLUSIVE MODE")
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                started = time.monotonic()
                commands = [pool.submit(driver.command, "status") for _ in range(3)]
                waiting_on_the_lock(postgres_url)
                health_started = time.monotonic()
                health = bot.http.get("/healthz", timeout=5)
                health_took = time.monotonic() - health_started
                answers = [c.result() for c in commands]
                took = time.monotonic() - started
            # Before: one shared connection behind a lock, every request and /healthz frozen for the lock's life.
            assert health.status_code == 200 and health_took < 0.5, health_took
            assert took < ANSWERED, f"answered after {took:.2f} s: Slack would have given up"
            for answer in answers:
                assert answer.status_code == 200 and STORE_DOWN in answer.json()["text"], answer.text
        # The lock gone, everything works again, with no restart.
        status = driver.command("status")
        assert status.status_code == 200 and STORE_DOWN not in status.text


def test_a_database_that_stops_answering_is_a_503_within_a_second_and_requests_still_answer(
    slack: FakeSlack, leonar: FakeLeonar, postgres_url: str, tmp_path: Path
) -> None:
    where = urlsplit(postgres_url)
    with RoundRobinProxy([("127.0.0.1", where.port or 5432)]) as proxy:
        port = proxy.url.rsplit(":", 1)[1]
        behind = urlunsplit(where._replace(netloc=where.netloc.replace(f":{where.port}", f":{port}")))
        assert behind.startswith("postgresql://") and f":{port}/" in behind
        with bot_on(slack, leonar, tmp_path, behind) as (bot, driver):
            connect(driver)
            proxy.freeze()  # the network to the database is cut: no error, no answer
            started = time.monotonic()
            health = bot.http.get("/healthz", timeout=5)
            health_took = time.monotonic() - started
            assert health.status_code == 503 and health_took < LIMITS.health_seconds + 0.3, health_took
            time.sleep(LIMITS.fresh_seconds)  # what is cached is no longer trusted: requests read the database
            started = time.monotonic()
            answer = driver.command("status")
            took = time.monotonic() - started
            assert answer.status_code == 200 and STORE_DOWN in answer.json()["text"] and took < ANSWERED, (took,
                                                                                                    answer.text)
            proxy.thaw()
            deadline = time.monotonic() + 10
            while bot.http.get("/healthz", timeout=5).status_code != 200:
                assert time.monotonic() < deadline, "still unhealthy 10 s after the database came back"
                time.sleep(0.1)
            assert STORE_DOWN not in driver.command("status").text


def test_the_add_form_opens_without_its_preselection_when_only_that_read_fails(
    slack: FakeSlack, leonar: FakeLeonar, postgres_url: str, tmp_path: Path
) -> None:
    with bot_on(slack, leonar, tmp_path, postgres_url) as (_, driver):
        connect(driver)
        with psycopg.connect(postgres_url) as locker:
            locker.execute("LOCK TABLE last_projects IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            view = driver.open_modal()
            assert view["callback_id"] == ADD_CALLBACK_ID and time.monotonic() - started < ANSWERED


def test_with_oauth_an_installation_the_database_cannot_give_is_said_so_not_as_not_installed(
    slack: FakeSlack, leonar: FakeLeonar, postgres_url: str, tmp_path: Path
) -> None:
    """Bolt swallows the store's error and answers its "not installed" text: ours says both causes."""
    with bot_on(slack, leonar, tmp_path, postgres_url, slack_bot_token=None, slack_client_id=CLIENT_ID,
                slack_client_secret="oauth-client-secret") as (bot, driver):
        install(bot, slack, "T0001")  # saved: the cached installation is dropped, the next request reads it
        with psycopg.connect(postgres_url) as locker:
            locker.execute("LOCK TABLE slack_bots IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            answer = driver.command("status")
            took = time.monotonic() - started
            assert answer.status_code == 200 and took < ANSWERED, (took, answer.text)
            [told] = slack.hook_posts(driver.last_response_url)
            assert "its database is not answering" in told["text"], told
        assert "could not load its installation" not in driver.command("status").text  # the lock gone: all well


def test_a_flexpane_clicked_while_the_database_is_unreachable_gets_slacks_error_panel_not_a_spinner(
    slack: FakeSlack, seeded: FakeLeonar, postgres_url: str, tmp_path: Path
) -> None:
    """A flexpane's trigger lives 3 s: the event Slack would send again later could answer nothing, so the bot
    answers the trigger with Slack's error at once rather than a 500."""
    where = urlsplit(postgres_url)
    with RoundRobinProxy([("127.0.0.1", where.port or 5432)]) as proxy:
        port = proxy.url.rsplit(":", 1)[1]
        behind = urlunsplit(where._replace(netloc=where.netloc.replace(f":{where.port}", f":{port}")))
        with bot_on(slack, seeded, tmp_path, behind, work_objects=True) as (_, driver):
            enable(slack)
            connect(driver)
            url = contact_link(contact_of(seeded, "Éloïse")["id"])
            message, _ = post_links(driver, [url])
            wait_entity(driver, message, url)
            proxy.freeze()
            time.sleep(LIMITS.fresh_seconds)  # what is cached is no longer trusted: the event reads the database
            started = time.monotonic()
            presented = wait_presented(driver, open_flexpane(driver, message, url))
            assert presented.error == {"status": "internal_error"} and presented.metadata is None
            assert time.monotonic() - started < ANSWERED
            proxy.thaw()

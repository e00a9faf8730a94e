"""GET /metrics and JSON log lines, on the real app over HTTP: what they count is what happened, only the token
opens the endpoint, and neither a metric nor a log line carries a key or a token."""

from __future__ import annotations

import io
import json
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.observability.logs import formatter
from bot.observability.metrics import RESOURCES, endpoint
from tests.support.bot import BOT_TOKEN, LEONAR_KEY, SIGNING_SECRET, RunningBot, make_settings, serve
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import ready_to_submit
from tests.support.tryout import DEMO_KEY, round_trip, start_bot
from tests.support.tryout import SIGNING_SECRET as TRYOUT_SECRET

TOKEN = "metrics-token-0123456789abcdef"
KINDS = {"block_suggestion": "options", "block_actions": "action", "view_submission": "submission",
         "view_closed": "action", "shortcut": "shortcut", "message_action": "shortcut", "event_callback": "event"}
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def metered(slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path) -> Iterator[RunningBot]:
    running = serve(make_settings(slack, leonar, tmp_path / "bot.db", metrics_token=TOKEN))
    yield running
    running.stop()


@pytest.fixture
def counted(metered: RunningBot, slack: FakeSlack) -> Iterator[tuple[SlackDriver, Counter[str]]]:
    """A driver that counts, by kind, the requests it sends (what the metrics must then say)."""
    drv = SlackDriver(metered, SIGNING_SECRET, slack)
    sent: Counter[str] = Counter()
    post = drv._post

    def counting(body: bytes, **kwargs: Any) -> httpx.Response:
        form = parse_qs(body.decode())
        if "command" in form:
            sent["command"] += 1
        else:
            sent[KINDS[json.loads(form["payload"][0])["type"]]] += 1
        return post(body, **kwargs)

    drv._post = counting  # type: ignore[method-assign]
    yield drv, sent
    drv.close()


def scrape(bot: RunningBot, token: str = TOKEN) -> tuple[str, Samples]:
    response = bot.http.get("/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == 200, response.text
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return response.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of `name` whose labels include `labels`."""
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))


def test_metrics_count_a_connect_and_an_add(counted: tuple[SlackDriver, Counter[str]], metered: RunningBot,
                                            slack: FakeSlack, seeded: FakeLeonar) -> None:
    driver, sent = counted
    _, before = scrape(metered)
    ready_to_submit(driver)
    driver.suggest_options("project_select", "back")  # the project list again: from the cache
    assert driver.submit().status_code == 200
    slack.wait_for("chat.postMessage")
    text, after = scrape(metered)

    def delta(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert sent["command"] == 1 and sent["submission"] == 2 and sent["options"] >= 2
    for kind, count in sent.items():
        assert delta("leonar_bot_requests_total", kind=kind, outcome="acked") == count, kind
        assert delta("leonar_bot_ack_seconds_count", kind=kind) == count, kind
    assert delta("leonar_bot_requests_total") == sum(sent.values())
    assert delta("leonar_bot_requests_total", outcome="failed") == 0

    # Leonar: as many requests per endpoint template as the fake received, and the add itself once, created.
    received = Counter((r.method, endpoint(r.path)) for r in seeded.requests)
    assert received[("POST", "projects/{id}/entries")] >= 1
    for (method, template), count in received.items():
        assert delta("leonar_bot_leonar_requests_total", method=method, endpoint=template) == count, template
    assert delta("leonar_bot_leonar_requests_total") == len(seeded.requests)
    assert delta("leonar_bot_leonar_requests_total", method="POST", endpoint="projects/{id}/entries",
                 status="201") == 1
    ids = {seg for r in seeded.requests for seg in r.path.strip("/").split("/") if seg not in RESOURCES}
    assert ids and not any(i in text for i in ids)  # a project or contact id would make a series per id

    # The budget left, per workspace store key, is what Leonar last said for that key.
    spent = sum(1 for r in seeded.requests if r.api_key == LEONAR_KEY)
    assert value(after, "leonar_bot_leonar_budget_remaining", workspace="-:T0001") == seeded.rate_limit - spent

    misses = delta("leonar_bot_leonar_cache_lookups_total", result="miss")
    hits = delta("leonar_bot_leonar_cache_lookups_total", result="hit")
    assert hits >= 1 and 0 < misses <= len(seeded.requests)
    lookups = total(after, "leonar_bot_leonar_cache_lookups_total")
    answered = lookups - total(after, "leonar_bot_leonar_cache_lookups_total", result="miss")
    assert value(after, "leonar_bot_leonar_cache_hit_ratio") == pytest.approx(answered / lookups)

    assert delta("leonar_bot_store_seconds_count", operation="save_connection") == 1
    assert delta("leonar_bot_store_seconds_count", operation="record_add") == 1
    # The store metric times the database: every write reaches it, while the cache answers most reads.
    database_reads = delta("leonar_bot_store_seconds_count", operation="get_connection")
    assert 1 <= database_reads < sum(sent.values())

    for secret in (LEONAR_KEY, BOT_TOKEN, SIGNING_SECRET, TOKEN, "leo_", "xoxb-"):
        assert secret not in text
    assert "Acme" not in text and "Zeta" not in text and "Bob" not in text  # no names either


def test_metrics_need_the_token(metered: RunningBot) -> None:
    get = metered.http.get
    assert get("/metrics", timeout=5).status_code == 401
    for wrong in ("x", TOKEN[:-1], TOKEN[:-1] + "X", TOKEN + "X", TOKEN.upper()):
        response = get("/metrics", headers={"Authorization": f"Bearer {wrong}"}, timeout=5)
        assert response.status_code == 401, wrong
        assert "leonar_bot" not in response.text
    assert get("/metrics", headers={"Authorization": TOKEN}, timeout=5).status_code == 401  # not a bearer
    assert get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).status_code == 200


def test_no_metrics_endpoint_without_a_token(bot: RunningBot) -> None:
    assert bot.http.get("/metrics", timeout=5).status_code == 404
    assert bot.http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).status_code == 404


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The bot's log lines as LOG_FORMAT=json writes them, at DEBUG (the most it ever says)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


def test_json_log_lines_follow_a_command_from_its_ack_to_its_card(
    json_lines: io.StringIO, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    ready_to_submit(driver)
    driver.submit()
    slack.wait_for("chat.postMessage")
    driver.settle()  # the card's log line comes once it is posted
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]  # every line is one JSON object

    [card] = [line for line in lines if line["message"].endswith("added; card posted")]
    flow = [line for line in lines if line.get("request_id") == card["request_id"]]
    messages = [line["message"] for line in flow]
    # One id from the command's ack, through the menus and the submit, to the card.
    answers = [m for m in messages if m.startswith("answered ")]
    assert answers[0].startswith("answered command: acked")
    assert any(m.startswith("answered options: acked") for m in messages)
    assert any(m.startswith("answered submission: acked") for m in messages)
    assert messages.index(card["message"]) > max(
        i for i, m in enumerate(messages) if m.startswith("answered submission"))
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)

    text = json_lines.getvalue()
    for secret in (LEONAR_KEY, BOT_TOKEN, SIGNING_SECRET):
        assert secret not in text


def test_json_lines_mask_secrets() -> None:
    """The JSON formatter masks like the text one, and its lines stay valid JSON."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter("json"))
    log = logging.getLogger("tests.observability")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning('key "%s" and token %s', LEONAR_KEY, BOT_TOKEN)
        try:
            raise ValueError(f"bad key {LEONAR_KEY}\nsecond line")
        except ValueError:
            log.exception("failed with %s", "xapp-1-A0-secret")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    text = out.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == 2 and "exception" in lines[1]
    for secret in (LEONAR_KEY, BOT_TOKEN, "xapp-1-A0-secret", "test_key_acme"):
        assert secret not in text
    assert "leo_[redacted]" in lines[0]["message"] and "xoxb-[redacted]" in lines[0]["message"]


@pytest.mark.slow
def test_the_real_process_logs_json_and_serves_metrics(tmp_path: Path) -> None:
    """`python -m bot` with LOG_FORMAT=json at DEBUG: every line it writes is JSON, one id runs from the command's
    ack to the card, and neither its log nor its metrics carry a key or a token."""
    with FakeSlack(bot_token="xoxb-secret-bot-token-123") as slack, FakeLeonar() as leonar:
        seed_demo(leonar, DEMO_KEY)
        slack.add_user("U0001", admin=True)
        process, url = start_bot(slack, leonar, tmp_path, LOG_LEVEL="DEBUG", LOG_FORMAT="json",
                                 METRICS_TOKEN=TOKEN, SLACK_BOT_TOKEN="xoxb-secret-bot-token-123")
        driver = SlackDriver(url, TRYOUT_SECRET, slack)
        try:
            round_trip(driver, slack, say=lambda *_: None)
            metrics = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        finally:
            driver.close()
            process.terminate()
            log = process.communicate(timeout=15)[0]
    assert metrics.status_code == 200
    lines = [json.loads(line) for line in log.splitlines()]
    assert len(lines) > 50 and {line["level"] for line in lines} >= {"DEBUG", "INFO"}
    [card] = [line for line in lines if line["message"].endswith("added; card posted")]
    answers = [line["message"] for line in lines
               if line.get("request_id") == card["request_id"] and line["message"].startswith("answered ")]
    assert answers[0].startswith("answered command: acked")
    for secret in (DEMO_KEY, "leo_demo", "xoxb-secret-bot-token-123", TRYOUT_SECRET, TOKEN):
        assert secret not in log and secret not in metrics.text
    assert "[redacted]" not in log  # nothing secret even reached a log call

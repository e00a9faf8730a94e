"""A fake Slack Web API: a real HTTP server on 127.0.0.1 (ephemeral port) that behaves like Slack where it matters.

Serves `/api/<method>` (Bearer token, JSON / form / query args) and `/hooks/<id>` (response_url posts).
Every view and message the bot sends is validated with `tests.slack_schema`; an invalid one is rejected the way
Slack rejects it (a message: `invalid_blocks`; a view: `invalid_arguments` with `response_metadata.messages`) and
the problem is recorded in `problems`.

Like a real workspace, it only knows the users it was told about (`add_user`; `users.info` answers
`user_not_found` for anyone else), posts in a private channel or a DM only where the bot is a member
(`add_channel`; else `channel_not_found`, while public channels take posts without membership thanks to
`chat:write.public`), and a response_url takes at most 5 posts within 30 minutes.
"""

from __future__ import annotations

import contextlib
import copy
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from tests.support.fakes import slack_messages, slack_unfurls, slack_work_objects
from tests.support.fakes.slack_functions import Executions
from tests.support.slack_schema import message_problem, view_problem

JSON = dict[str, Any]
T = TypeVar("T")
VIEW_FIELDS = ("type", "title", "blocks", "close", "submit", "private_metadata", "callback_id",
               "clear_on_close", "notify_on_close", "external_id", "submit_disabled")
MAX_VIEW_STACK = 3
HOOK_MAX_USES = 5  # Slack: a response_url works up to 5 times within 30 minutes
HOOK_TTL = 30 * 60.0
_NOT_ACTIONS = {"image", "mrkdwn", "plain_text", "rich_text_section", "rich_text_list",
                "rich_text_preformatted", "rich_text_quote", "user", "channel", "text", "link", "emoji"}


@dataclass
class Call:
    method: str  # "views.open", "chat.postMessage", ... or "hook" for response_url posts
    body: dict[str, Any]  # parsed args; "view"/"blocks" given as JSON strings are decoded
    token: str | None  # bearer token (None for hooks)
    hook_id: str | None = None
    response: Any = None  # what the fake answered (dict for API calls, str for hooks)
    at: float = field(default_factory=time.monotonic)  # when it arrived (benchmarks time the bot by it)


@dataclass
class _Failure:
    error: str
    http_status: int
    headers: dict[str, str]


@dataclass
class _Hook:
    issued: float = field(default_factory=time.monotonic)
    uses: int = 0  # posts Slack accepted


class FakeSlack:
    def __init__(self, *, bot_token: str = "xoxb-test-token", team_id: str = "T0001",
                 bot_user_id: str = "UBOT") -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = "B0001"
        self.app_id = "A0001"
        self.extra_tokens: set[str] = set()
        self.app_token: str | None = None  # xapp-… accepted by apps.connections.open, which answers socket_url
        self.socket_url: str | None = None
        # OAuth: a code handed to the app's redirect URL installs it in a team (code -> team id). Each install
        # issues a bot token (accepted from then on) and a refresh token; rotation swaps both.
        self.oauth_codes: dict[str, str] = {}
        self.homes: dict[str, JSON] = {}  # user id -> their published App Home
        self._current_team: str | None = None
        self.token_teams: dict[str, str] = {}
        self.refresh_tokens: dict[str, str] = {}
        # Tokens Slack no longer honours, with the error every method answers them (token_revoked, invalid_auth,
        # account_inactive, team_access_not_granted: about the token, whatever the method).
        self.dead_tokens: dict[str, str] = {}
        self.calls: list[Call] = []
        self.views: dict[str, JSON] = {}
        self.not_in_channels: set[str] = set()
        self.missing_channels: set[str] = set()
        self.private_channels: set[str] = set()  # besides G… (private/group DM) and D… (DM) ids, always private
        self.ext_shared_channels: set[str] = set()  # shared with another organisation (Slack Connect)
        self.bot_channels: set[str] = set()  # conversations the bot is a member of (it always is of its own DMs)
        self.hook_ttl = HOOK_TTL
        self.users: dict[str, JSON] = {}
        self.problems: list[str] = []
        self.latency = 0.0
        self.slow_methods: dict[str, float] = {}  # a method Slack answers this much later (seconds)
        self.trigger_ttl: float | None = 3.0  # Slack: a trigger_id expires 3 s after it was issued
        self.closed_views: set[str] = set()
        self.shared_messages: list[slack_unfurls.SharedMessage] = []  # links dispatched in link_shared events
        # Work Objects (slack_work_objects.py): the entity types the app enabled (none: the feature is off, as for an
        # app whose "Work Object Previews" were never turned on), clicks' triggers, flexpanes Slack accepted.
        self.work_object_types: set[str] = set()
        self.details_triggers: dict[str, slack_work_objects.DetailsTrigger] = {}
        self.used_details_triggers: set[str] = set()
        self.presented: list[slack_work_objects.Presented] = []
        # Developers report Slack accepting metadata it cannot use with `ok` and a `warning` (e.g.
        # "invalid_metadata_format"), dropping it: not in Slack's reference, so off unless a test sets it.
        self.metadata_warning: str | None = None
        self.view_listeners: list[Callable[[str, JSON], None]] = []  # called (view_id, view) on every change
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)  # notified on every call, view and hook post
        self._ids = count(1)
        self._failures: dict[str, list[_Failure]] = {}
        self._triggers: dict[str, tuple[str | None, str | None, float]] = {}  # id -> (user, view, issued)
        self._used_triggers: set[str] = set()
        self._hooks: dict[str, _Hook] = {}
        self._view_owner: dict[str, str | None] = {}
        self._view_order: dict[str, int] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.executions = Executions()  # Workflow Builder steps being run (slack_functions.py)
        # Messages, threads and the bot's reactions (slack_messages.py), and the bot scopes the app was granted.
        self.messages = slack_messages.Messages()
        self.scopes: set[str] = set(slack_messages.ALL_SCOPES)
        # Who is in each conversation (conversations.members); unlisted: nobody but the bot.
        self.members: dict[str, list[str]] = {}
        self._current_token: str | None = None

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> FakeSlack:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        # A short poll interval keeps stop() (every test's teardown) short: shutdown() waits for the next poll.
        self._thread = threading.Thread(target=server.serve_forever, args=(0.01,), name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "FakeSlack is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def new_response_url(self) -> str:
        hook_id = uuid.uuid4().hex
        with self._lock:
            self._hooks[hook_id] = _Hook()
        return f"{self.base_url}/hooks/{hook_id}"

    # ----------------------------------------------------------------- test-facing helpers
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        def enough() -> list[Call] | None:
            found = self.calls_to(method)
            return found if len(found) >= count else None

        if (found := self.wait_until(enough, timeout)) is not None:
            return found
        with self._lock:
            seen = [c.method for c in self.calls]
        raise AssertionError(f"expected {count} call(s) to {method} within {timeout}s, "
                             f"got {len(self.calls_to(method))}; received: {seen}; problems: {self.problems}")

    def wait_until(self, check: Callable[[], T], timeout: float = 5.0) -> T:
        """`check()` once it is truthy, checked again whenever the bot calls Slack or a view changes; its last
        (falsy) value after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (found := check()) and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            return found

    def age_response_url(self, url: str, seconds: float) -> None:
        """Make a response_url `seconds` older, as when a modal stayed open while the user was away."""
        hook_id = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            self._hooks[hook_id].issued -= seconds

    def hook_posts(self, url: str) -> list[JSON]:
        hook_id = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            return [c.body for c in self.calls if c.method == "hook" and c.hook_id == hook_id]

    def revoke(self, token: str, error: str = "token_revoked") -> None:
        """Every call with `token` answers `error` from now on, as Slack does once a token is revoked."""
        with self._lock:
            self.dead_tokens[token] = error

    def fail(self, method: str, error: str, *, times: int = 1, http_status: int = 200,
             headers: dict[str, str] | None = None) -> None:
        if headers is None:
            headers = {"Retry-After": "1"} if http_status == 429 else {}
        with self._lock:
            self._failures.setdefault(method, []).extend(_Failure(error, http_status, headers) for _ in range(times))

    # ----------------------------------------------------------------- driver-facing helpers
    def issue_trigger(self, user_id: str | None, view_id: str | None = None) -> str:
        """A fresh trigger_id, as Slack puts in a slash command / block_actions / view_submission payload."""
        trigger_id = f"{int(time.time())}.{next(self._ids)}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger_id] = (user_id, view_id, time.monotonic())
        return trigger_id

    def current_view(self, user_id: str) -> JSON | None:
        """The open view `user_id` sees (the most recently opened/updated one), as a copy."""
        with self._lock:
            open_ids = [v for v, owner in self._view_owner.items()
                        if owner == user_id and v not in self.closed_views]
            if not open_ids:
                return None
            return copy.deepcopy(self.views[max(open_ids, key=self._view_order.__getitem__)])

    def set_view_state(self, view_id: str, values: dict[str, dict[str, JSON]]) -> None:
        """What Slack's servers learn about the user's input (sent with block_actions / view_submission)."""
        with self._lock:
            self.views[view_id]["state"] = {"values": copy.deepcopy(values)}

    def apply_view_response(self, view_id: str, action: JSON, *, submitted_hash: str | None = None) -> None:
        """Apply a view_submission ack body (empty dict = close) the way Slack does. `submitted_hash`: the view's hash
        when it was submitted. Slack applies an ack as it arrives, before any call the app makes once it has acked;
        the test's client reads the ack later, so a views.update already stored since then came after it in Slack's
        order, and an ack's update does not replace it."""
        with self._lock:
            kind = action.get("response_action")
            if kind == "update" and submitted_hash and self.views[view_id]["hash"] != submitted_hash:
                return
            if kind in ("update", "push"):
                if (problem := view_problem(action.get("view"))) is not None:
                    self.problems.append(f"view_submission {kind}: {problem}")
                    return
                if kind == "update":
                    self._store_view(action["view"], replacing=self.views[view_id])
                else:
                    self._store_view(action["view"], owner=self._view_owner.get(view_id), previous=view_id)
            elif kind == "clear":
                root = self.views[view_id]["root_view_id"]
                self.closed_views.update(v for v, view in self.views.items() if view["root_view_id"] == root)
            elif kind is None:
                self.closed_views.add(view_id)
            self._changed.notify_all()

    # ----------------------------------------------------------------- request handling
    def _handle_api(self, method: str, body: JSON, token: str | None) -> tuple[int, dict[str, str], JSON]:
        with self._lock:
            call = Call(method, body, token)
            self.calls.append(call)
            status, headers, answer = self._answer(method, body, token)
            call.response = answer
            self._changed.notify_all()
        return status, headers, answer

    def _answer(self, method: str, body: JSON, token: str | None) -> tuple[int, dict[str, str], JSON]:
        if method == "oauth.v2.access":  # authenticated by the app's client id and secret, not a token
            return 200, {}, self._oauth_v2_access(body)
        if method == "apps.connections.open":  # the one method called with the app-level token (Socket Mode)
            if token is None or token != self.app_token or not self.socket_url:
                return 200, {}, _error("invalid_auth")
            return 200, {}, {"ok": True, "url": self.socket_url}
        if self.executions.revoked_token(token):  # a workflow token dies with its step, or after 15 minutes
            return 200, {}, _error("token_revoked")
        if token in self.dead_tokens:
            return 200, {}, _error(self.dead_tokens[token])
        if not (token == self.bot_token or (token in self.extra_tokens and token.startswith("xoxb-"))
                or self.executions.live_token(token)):
            return 200, {}, _error("invalid_auth")
        queued = self._failures.get(method)
        if queued:
            failure = queued.pop(0)
            return failure.http_status, failure.headers, _error(failure.error)
        handler = _METHODS.get(method)
        self._current_team = self.token_teams.get(token or "")
        self._current_token = token
        return 200, {}, handler(self, body) if handler else {"ok": True}

    def _handle_hook(self, hook_id: str, body: JSON) -> tuple[int, str]:
        with self._lock:
            call = Call("hook", body, None, hook_id=hook_id)
            self.calls.append(call)
            hook = self._hooks.get(hook_id)
            if hook is None:
                status, text = 404, "no_active_hooks"
            elif time.monotonic() - hook.issued > self.hook_ttl:
                status, text = 404, "expired_url"
            elif hook.uses >= HOOK_MAX_USES:
                status, text = 404, "used_url"
            elif not body.get("delete_original") and (problem := message_problem(body)) is not None:
                self.problems.append(f"hook: {problem}")
                status, text = 400, "invalid_blocks"
            else:
                hook.uses += 1
                status, text = 200, "ok"
            call.response = text
            self._changed.notify_all()
        return status, text

    # ----------------------------------------------------------------- methods
    def _auth_test(self, body: JSON) -> JSON:
        return {"ok": True, "url": "https://leonar-test.slack.com/", "team": "Leonar Test", "user": "leonar",
                "team_id": self._current_team or self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def _oauth_v2_access(self, body: JSON) -> JSON:
        if body.get("grant_type") == "refresh_token":
            team = self.refresh_tokens.pop(str(body.get("refresh_token")), None)
            if team is None:
                return _error("invalid_refresh_token")
        else:
            team = self.oauth_codes.pop(str(body.get("code")), None)
            if team is None:
                return _error("invalid_code")
        token, refresh = f"xoxb-{team}-{secrets.token_hex(6)}", f"xoxe-1-{secrets.token_hex(8)}"
        self.extra_tokens.add(token)
        self.token_teams[token] = team
        self.refresh_tokens[refresh] = team
        return {"ok": True, "app_id": "A0001", "authed_user": {"id": "U0001"}, "token_type": "bot",
                "scope": "commands,chat:write,chat:write.public,users:read,links:read,links:write",
                "access_token": token,
                "refresh_token": refresh, "expires_in": 43200, "bot_user_id": self.bot_user_id,
                "team": {"id": team, "name": f"Team {team}"}, "enterprise": None, "is_enterprise_install": False}

    def _take_trigger(self, body: JSON) -> tuple[str | None, str | None] | str:
        trigger_id = body.get("trigger_id")
        if not trigger_id:
            return "invalid_arguments"
        if trigger_id in self._used_triggers:
            return "exchanged_trigger_id"
        if trigger_id not in self._triggers:
            return "invalid_trigger_id"
        user_id, view_id, issued = self._triggers[trigger_id]
        if self.trigger_ttl is not None and time.monotonic() - issued > self.trigger_ttl:
            return "expired_trigger_id"
        self._used_triggers.add(trigger_id)
        return user_id, view_id

    def _views_open(self, body: JSON, *, push: bool = False) -> JSON:
        method = "views.push" if push else "views.open"
        if not isinstance(body.get("view"), dict):
            return _invalid_arguments("missing required field: view")
        if (problem := view_problem(body["view"])) is not None:
            self.problems.append(f"{method}: {problem}")
            return _invalid_view(problem)
        taken = self._take_trigger(body)
        if isinstance(taken, str):
            return _error(taken)
        owner, previous = taken
        if push:
            if previous is None or previous in self.closed_views:
                return _error("not_found")
            if self._stack_depth(previous) >= MAX_VIEW_STACK:
                return _error("push_limit_reached")
        return {"ok": True, "view": self._store_view(body["view"], owner=owner, previous=previous if push else None)}

    def _views_push(self, body: JSON) -> JSON:
        return self._views_open(body, push=True)

    def _views_publish(self, body: JSON) -> JSON:
        """The App Home of `user_id`: validated like every view, kept in `homes`."""
        if not body.get("user_id"):
            return _error("invalid_arguments")
        if (problem := view_problem(body.get("view"))) is not None:
            self.problems.append(f"views.publish: {problem}")
            return _invalid_view(problem)
        self.homes[str(body["user_id"])] = copy.deepcopy(body["view"])
        return {"ok": True, "view": {**body["view"], "id": f"VH{body['user_id']}"}}

    def _views_update(self, body: JSON) -> JSON:
        view_id, external_id = body.get("view_id"), body.get("external_id")
        if not isinstance(body.get("view"), dict):
            return _invalid_arguments("missing required field: view")
        if not (view_id or external_id):
            return _invalid_arguments("missing required field: view_id or external_id")
        current = self.views.get(view_id) if view_id else next(
            (v for v in self.views.values() if external_id and v.get("external_id") == external_id), None)
        if current is None or current["id"] in self.closed_views:
            return _error("not_found")
        if body.get("hash") and body["hash"] != current["hash"]:
            return _error("hash_conflict")
        if (problem := view_problem(body["view"])) is not None:
            self.problems.append(f"views.update: {problem}")
            return _invalid_view(problem)
        return {"ok": True, "view": self._store_view(body["view"], replacing=current)}

    def _chat_post(self, body: JSON, *, ephemeral: bool = False) -> JSON:
        method = "chat.postEphemeral" if ephemeral else "chat.postMessage"
        channel = body.get("channel")
        if not channel or channel in self.missing_channels or not self._can_post_in(channel):
            return _error("channel_not_found")
        if channel in self.not_in_channels:
            return _error("not_in_channel")
        if ephemeral and body.get("user") not in self.users:
            return _error("user_not_found")
        if (problem := message_problem(body)) is not None:
            self.problems.append(f"{method}: {problem}")
            return _error("invalid_blocks")
        ts = self.messages.new_ts()
        if ephemeral:
            return {"ok": True, "message_ts": ts}
        channel_id = self.bot_dm(channel) if channel.startswith(("U", "W")) else channel
        message = {"type": "message", "text": body.get("text", ""), "user": self.bot_user_id, "bot_id": self.bot_id,
                   "app_id": self.app_id, "ts": ts, "team": self.team_id}
        if "blocks" in body:
            message["blocks"] = body["blocks"]
        answer = {"ok": True, "channel": channel_id, "ts": ts, "message": message}
        slack_messages.keep_bot_post(self, body, answer)
        return answer

    def _chat_update(self, body: JSON) -> JSON:
        """Slack's chat.update: only a message the bot posted, by its conversation id (a DM's D…, not the user's
        id) and ts."""
        key = (str(body.get("channel") or ""), str(body.get("ts") or ""))
        found = self.messages.find(*key)
        if found is None or found.get("bot_id") != self.bot_id:
            return _error("message_not_found" if found is None else "cant_update_message")
        if (problem := message_problem(body)) is not None:
            self.problems.append(f"chat.update: {problem}")
            return _error("invalid_blocks")
        found.update(text=body.get("text", ""), edited={"user": self.bot_user_id})
        if "blocks" in body:
            found["blocks"] = body["blocks"]
        message = copy.deepcopy(found)
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message["text"], "message": message}

    def _conversations_members(self, body: JSON) -> JSON:
        """Slack's conversations.members, by pages of `limit` (cursor): a private conversation only to the bot as a
        member of it (else channel_not_found)."""
        channel = str(body.get("channel") or "")
        if not channel or not self.can_see(channel):
            return _error("channel_not_found")
        people = [*self.members.get(channel, []), self.bot_user_id]
        limit = int(body.get("limit") or 100)
        start = int(str(body.get("cursor") or "0").removeprefix("m") or 0)
        following = f"m{start + limit}" if start + limit < len(people) else ""
        return {"ok": True, "members": people[start:start + limit], "response_metadata": {"next_cursor": following}}

    def _chat_post_ephemeral(self, body: JSON) -> JSON:
        return self._chat_post(body, ephemeral=True)

    def _can_post_in(self, channel: str) -> bool:
        """Private channels, group DMs and DMs only where the bot is a member; any public channel
        (chat:write.public); a user id means the bot's own DM with that user, who must exist."""
        if channel.startswith(("U", "W")):
            return channel in self.users
        return self.is_member(channel) or not self.is_private(channel)

    def is_private(self, channel: str) -> bool:
        """A private channel, a group DM or a DM (G… and D… ids always are)."""
        return channel.startswith(("G", "D")) or channel in self.private_channels

    def is_member(self, channel: str) -> bool:
        """Whether the bot is in the conversation: a channel it joined, or its own DM with someone (its Messages
        tab); never another DM."""
        return channel in self.bot_channels or channel in {self.bot_dm(u) for u in self.users}

    def can_see(self, channel: str) -> bool:
        """Whether Slack shows the bot that conversation: a public channel, or one it is in (else Slack answers
        channel_not_found, as if it did not exist)."""
        return channel not in self.missing_channels and (not self.is_private(channel) or self.is_member(channel))

    def add_channel(self, channel_id: str, *, private: bool = False, member: bool = False) -> None:
        """Declare a conversation: a private one (G… and D… ids are private anyway), the bot a member or not."""
        if private:
            self.private_channels.add(channel_id)
        if member:
            self.bot_channels.add(channel_id)
        else:
            self.bot_channels.discard(channel_id)

    def post(self, channel: str, user: str, text: str, *, thread_ts: str | None = None,
             blocks: list[JSON] | None = None) -> JSON:
        """Someone writes in `channel` (slack_messages.post): the message as a shortcut's payload carries it."""
        return slack_messages.post(self, channel, user, text, thread_ts=thread_ts, blocks=blocks)

    @staticmethod
    def bot_dm(user_id: str) -> str:
        """The id of the DM between the bot and `user_id` (its Messages tab)."""
        return "D" + user_id[1:]

    def _users_info(self, body: JSON) -> JSON:
        user = self.users.get(str(body.get("user") or ""))
        if user is None:  # like Slack, only people of the workspace (declared with add_user) exist
            return _error("user_not_found")
        return {"ok": True, "user": copy.deepcopy(user)}

    def _conversations_info(self, body: JSON) -> JSON:
        """What Slack says of a conversation: a private one only to its members (else channel_not_found)."""
        channel = str(body.get("channel") or "")
        if not channel or not self.can_see(channel):
            return _error("channel_not_found")
        private, shared = self.is_private(channel), channel in self.ext_shared_channels
        return {"ok": True, "channel": {"id": channel, "is_channel": not private, "is_private": private,
                                        "is_shared": shared, "is_ext_shared": shared, "is_org_shared": False,
                                        "is_pending_ext_shared": False, "is_member": channel in self.bot_channels}}

    def _users_list(self, body: JSON) -> JSON:
        """Slack's users.list: pages of at most `limit` (≤ 1,000; Slack advises ≤ 200) by `cursor`; an org-wide
        token must say which workspace (`team_id`), a workspace's token lists its own people."""
        limit = int(body.get("limit") or 0) or 1000
        if not 1 <= limit <= 1000:
            return _invalid_arguments("limit must be between 1 and 1000")
        team = str(body.get("team_id") or self.team_id)
        people = [u for u in self.users.values() if u.get("team_id") == team]
        start = int(str(body.get("cursor") or "0").removeprefix("c") or 0)
        page = people[start:start + limit]
        following = f"c{start + limit}" if start + limit < len(people) else ""
        members = []
        for user in page:
            member = copy.deepcopy(user)
            if not body.get("include_locale") or str(body.get("include_locale")).lower() in ("false", "0"):
                member.pop("locale", None)
            members.append(member)
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": following}}

    def make_user(self, user_id: str, *, admin: bool = False, owner: bool = False,
                  team_id: str | None = None) -> JSON:
        return {
            "id": user_id, "team_id": team_id or self.team_id, "name": user_id.lower(),
            "real_name": f"User {user_id}",
            "is_admin": admin, "is_owner": owner, "is_primary_owner": False, "is_bot": False, "deleted": False,
            "locale": "en-US", "tz": "Europe/Paris", "profile": {"display_name": user_id.lower()},
        }

    def add_user(self, user_id: str, *, admin: bool = False, owner: bool = False,
                 team_id: str | None = None) -> None:
        self.users[user_id] = self.make_user(user_id, admin=admin, owner=owner, team_id=team_id)

    def _functions_complete_success(self, body: JSON) -> JSON:
        return self.executions.complete_success(body, self._current_token)

    def _functions_complete_error(self, body: JSON) -> JSON:
        return self.executions.complete_error(body, self._current_token)

    # ----------------------------------------------------------------- view store
    def _store_view(self, view: JSON, *, owner: str | None = None, previous: str | None = None,
                    replacing: JSON | None = None) -> JSON:
        stored: JSON = {
            "id": replacing["id"] if replacing else f"V{next(self._ids):04d}{secrets.token_hex(3).upper()}",
            "team_id": self.team_id, "type": "modal", "callback_id": "", "private_metadata": "",
            "external_id": "", "state": {"values": {}}, "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": False, "notify_on_close": False, "close": None, "submit": None,
            "previous_view_id": previous, "app_id": self.app_id, "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        stored.update({k: copy.deepcopy(view[k]) for k in VIEW_FIELDS if k in view})
        for block in stored.get("blocks", []):  # Slack fills in missing block_ids and action_ids
            block.setdefault("block_id", secrets.token_urlsafe(3))
            elements = [block.get("element"), block.get("accessory"), *block.get("elements", [])]
            for element in elements:
                if isinstance(element, dict) and "type" in element and element["type"] not in _NOT_ACTIONS:
                    element.setdefault("action_id", secrets.token_urlsafe(3))
        if replacing is not None:  # views.update: same id and stack position; drop state of vanished blocks
            stored["previous_view_id"] = replacing["previous_view_id"]
            stored["root_view_id"] = replacing["root_view_id"]
            block_ids = {b["block_id"] for b in stored.get("blocks", [])}
            stored["state"] = {"values": {b: v for b, v in replacing["state"]["values"].items() if b in block_ids}}
        else:
            stored["root_view_id"] = self.views[previous]["root_view_id"] if previous else stored["id"]
            self._view_owner[stored["id"]] = owner
        self.views[stored["id"]] = stored
        self._view_order[stored["id"]] = next(self._ids)
        for listener in list(self.view_listeners):
            listener(stored["id"], copy.deepcopy(stored))
        return copy.deepcopy(stored)

    def _stack_depth(self, view_id: str) -> int:
        depth, current = 1, self.views[view_id]
        while current["previous_view_id"]:
            depth, current = depth + 1, self.views[current["previous_view_id"]]
        return depth


_METHODS: dict[str, Callable[[FakeSlack, JSON], JSON]] = {
    "auth.test": FakeSlack._auth_test,
    "views.open": FakeSlack._views_open,
    "views.push": FakeSlack._views_push,
    "views.update": FakeSlack._views_update,
    "chat.postMessage": FakeSlack._chat_post,
    "chat.postEphemeral": FakeSlack._chat_post_ephemeral,
    "chat.update": FakeSlack._chat_update,
    "conversations.members": FakeSlack._conversations_members,
    "users.info": FakeSlack._users_info,
    "users.list": FakeSlack._users_list,
    "conversations.info": FakeSlack._conversations_info,
    "views.publish": FakeSlack._views_publish,
    "functions.completeSuccess": FakeSlack._functions_complete_success,
    "functions.completeError": FakeSlack._functions_complete_error,
    "chat.unfurl": slack_unfurls.chat_unfurl,
    "entity.presentDetails": slack_work_objects.present_details,
    **slack_messages.METHODS,
}


def _error(error: str) -> JSON:
    return {"ok": False, "error": error}


def _invalid_arguments(*messages: str) -> JSON:
    return {"ok": False, "error": "invalid_arguments",
            "response_metadata": {"messages": [f"[ERROR] {m}" for m in messages]}}


def _invalid_view(problem: str) -> JSON:
    """Slack's answer to a view that breaks the Block Kit schema: which rule, at which JSON pointer."""
    rule, _, where = problem.rpartition(" at ")
    pointer = "/view" + (f"/{where}" if where else "")
    return _invalid_arguments("failed to match all allowed schemas [json-pointer:/view]",
                              f"{rule or problem} [json-pointer:{pointer}]")


def _parse_args(raw: bytes, content_type: str, query: str) -> JSON:
    args: JSON = dict(parse_qsl(query))
    if raw:
        if content_type.startswith("application/json"):
            args.update(json.loads(raw))
        else:
            args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    for key in ("view", "blocks", "attachments", "unfurls"):
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # silence
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake: FakeSlack = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            args = _parse_args(raw, self.headers.get("Content-Type", ""), url.query)
        except ValueError:
            self._send(400, "text/plain", b"invalid_json")
            return
        if url.path.startswith("/hooks/"):
            status, text = fake._handle_hook(url.path.removeprefix("/hooks/"), args)
            self._send(status, "text/plain", text.encode())
        elif url.path.startswith("/api/"):
            method = url.path.removeprefix("/api/")
            if delay := fake.latency + fake.slow_methods.get(method, 0.0):
                time.sleep(delay)
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.pop("token", None)
            status, headers, answer = fake._handle_api(url.path.removeprefix("/api/"), args, token)
            self._send(status, "application/json; charset=utf-8", json.dumps(answer).encode(), headers)
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, status: int, content_type: str, payload: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

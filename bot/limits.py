"""Every deadline and period the bot keeps, in one object: `Settings.limits`.

Production never sets them: the defaults are derived from what Slack, Leonar and the platforms allow (the comments
say from what). Tests shrink them (`Limits.scaled`, or `LIMITS__<NAME>` in a child process's environment) instead of
waiting out real seconds; each consumer receives the object it needs when it is built, never reads a constant.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

Seconds = float


class Limits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Slack gives an interaction 3 s; each window leaves room for the answer's own round trip to Slack.
    options_seconds: Seconds = Field(2.3, gt=0)  # an options load waits this long for Leonar
    submit_seconds: Seconds = Field(2.3, gt=0)  # a submit waits this long for Leonar, then shows a pending view
    # Either is answered within this of its arrival, whatever came before Leonar (users.info for the gate, the store).
    answer_seconds: Seconds = Field(2.5, gt=0)
    key_check_seconds: Seconds = Field(2.4, gt=0)  # checking a pasted key against Leonar before the ack
    step_menu_seconds: Seconds = Field(2.0, gt=0)  # the Workflow Builder step's project menu
    follow_check_seconds: Seconds = Field(1.2, gt=0)  # the follow form's project and scope check at submit
    follow_post_seconds: Seconds = Field(1.0, gt=0)  # the follow confirmation posted before the ack
    users_info_seconds: Seconds = Field(0.8, gt=0)  # users.info before an ack (the members-only gate, language)
    # A step's whole run, well within the workflow token's 15 minutes, so that its failure can still be reported.
    step_seconds: Seconds = Field(600.0, gt=0)
    # An @Leonar request resolved this long at most: then the asker is told Leonar is slow, never left unanswered.
    mention_seconds: Seconds = Field(20.0, gt=0)
    # Waiting for another instance's token refresh (OAuth) before refreshing here too.
    refresh_lock_seconds: Seconds = Field(10.0, gt=0)
    # An add may outlast Slack's window behind a pending view; cut shorter, the user would not know the outcome.
    entry_read_seconds: Seconds = Field(15.0, gt=0)

    # Shutdown (SIGTERM): requests being answered get `requests_grace`; acknowledged work `drain`, what is left then
    # `tell` to say it was interrupted; the poller `poller_stop` of the drain. Under a platform's usual 30 s in all.
    requests_grace_seconds: Seconds = Field(5.0, ge=0)
    drain_seconds: Seconds = Field(15.0, ge=0)
    tell_seconds: Seconds = Field(3.0, ge=0)
    poller_stop_seconds: Seconds = Field(3.0, ge=0)

    # The database: one store call, queueing included, so a request can still say "the database is unavailable"
    # within Slack's window; /healthz's own bound; how stale another instance's change may be in the cache.
    store_call_seconds: Seconds = Field(2.0, gt=0)
    health_seconds: Seconds = Field(1.0, gt=0)
    fresh_seconds: Seconds = Field(1.0, gt=0)
    heartbeat_seconds: Seconds = Field(0.2, gt=0)  # how often the cache proves it heard every change
    cache_entry_seconds: Seconds = Field(60.0, gt=0)  # a cached entry is read again after this, whatever was heard
    pool_wait_seconds: Seconds = Field(1.5, gt=0)  # waiting for a free PostgreSQL connection, inside a store call
    check_idle_seconds: Seconds = Field(30.0, ge=0)  # a connection idle this long is checked before use
    sqlite_busy_seconds: Seconds = Field(1.0, gt=0)  # a SQLite write waiting for another process's lock
    listen_retry_seconds: Seconds = Field(1.0, gt=0)  # reconnecting the PostgreSQL listener

    # Durable work (bot/durable): a job's lease, renewed while it runs; once it has run out (the holder died), any
    # instance takes the job over at its next look, every `work_tick_seconds`.
    work_lease_seconds: Seconds = Field(20.0, gt=0)
    work_tick_seconds: Seconds = Field(1.0, gt=0)

    # Feedback requests: a reminder or summary not yet due waits in the database and looks at the clock again after
    # at most this long (exactly at its moment when that is nearer): each look is a claim and two log lines, so not
    # often; tests shrink it to follow a clock they move.
    feedback_check_seconds: Seconds = Field(3600.0, gt=0)

    # Pipeline activity's poller.
    poll_tick_seconds: Seconds = Field(1.0, gt=0)  # how often due projects are looked for, at most
    poll_post_seconds: Seconds = Field(10.0, gt=0)  # one activity post; the lease is checked again after it

    # HTTP (bot/http_server.py): a request must arrive whole this long after its first byte (Slack's are a few KB,
    # sent at once); a client trickling its bytes is cut off then.
    request_seconds: Seconds = Field(10.0, gt=0)

    def submit_window(self, elapsed: float) -> float:
        """How long a submit may still wait for Leonar, `elapsed` seconds after it arrived: submit_seconds, less what
        the gate and the store already took of answer_seconds."""
        return self.within_answer(self.submit_seconds, elapsed)

    def within_answer(self, share: float, elapsed: float) -> float:
        """`share` seconds, or what is left of answer_seconds `elapsed` seconds after the request arrived if that is
        less: what a request may still wait for Leonar and be answered in time."""
        return max(0.0, min(share, self.answer_seconds - elapsed))

    @property
    def shutdown_seconds(self) -> float:
        """The longest a SIGTERM'd process takes to exit (2 s more to close connections)."""
        return self.requests_grace_seconds + self.drain_seconds + self.tell_seconds + 2

    def scaled(self, factor: float) -> Limits:
        """Every limit times `factor`: a test's shrunk copy, the proportions kept."""
        return Limits(**{name: value * factor for name, value in self.model_dump().items()})

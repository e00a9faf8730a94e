"""Pipeline activity: a channel follows a Leonar project and hears of its adds, moves and hires (issue 12).

This package is the pure core: no I/O, no Slack, no store. What the poller (and the store under it) does with it,
per followed project and per poll:

1. `read = await client.entries_changed_since(project_id, since)` (`bot/leonar/changes.py`): `since` is
   `events.next_since(snapshot)`, or None for the first poll and every `full_scan_every`-th one (a full scan,
   the only reading that can show removals). Its `requests` feed the budget.
2. `board = stages.Board(project.stages)` from `client.get_project` (cached 5 min; a project whose `status` is
   "archived", or a 404, stops the follows: `follow.StopReason`).
3. `d = events.diff(project_id, snapshot, read.entries, board, full_scan=read.full_scan)`: `d.seeded` on the
   first poll (store the snapshot, post nothing); else `d.events`, each with a stable `key`.
4. Per follow of that project: `follow.filter.select(d.events, board)`; LIVE: `digest.batch(...)` →
   `views.activity.activity_post(...)`; DIGEST: store the selected events (`Event.to_json`, no PII) and at
   `digest.next_digest_at(hour, tz, last)` post `views.activity.digest_post(digest.digest_counts(...))`, nothing
   when the counts are empty.
4b. Per follow, whatever its delivery: `waiting.overdue(d.snapshot, read.entries, ...)` (not yet alerted for that
   stage) → `views.activity.waiting_post(...)`, its marks stored with it; on a full reading, a weekly report due
   (`weekly.previous_weekly_at`) → `views.weekly.weekly_post(weekly.report(...))`, its Monday stored with it.
5. Exactly once: store the event keys (or the post's `Batch.post_key(follow.id)`, a digest's
   `digest.digest_key(follow.id, due)`) and `d.snapshot` in one transaction; a key already stored is not posted
   again, so a poll repeated after a crash posts nothing twice. A reading that was not `complete` keeps its
   `since` for the next poll instead of `next_since`.
6. The interval: `budget.poll_interval(base_seconds=settings.leonar_poll_seconds,
   budget=settings.leonar_poll_budget, projects=<followed projects on the key>,
   hourly_limit=<X-RateLimit-Limit>, requests_per_poll=budget.requests_per_poll(entries))`; `stretched` goes to
   the App Home section (`views.follows.home_follows`).
"""

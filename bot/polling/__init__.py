"""Pipeline activity's poller (issue 12): the asyncio task that reads followed projects and posts what changed.

`poller.Poller` runs in the app's lifespan (bot/app.py), in HTTP and Socket Mode alike; the pure core is
bot/activity, persistence bot/store/poll_state.py (the exactly-once argument is there), posting
`slack_post.SlackPoster`.
"""

"""Durable work: what Slack was told was accepted runs once, survives a crash, and is resumed by whichever instance
is alive. The store keeps the jobs (bot/store/jobs.py); `Runner` runs them; each kind of work registers how it runs
and whom it tells when it cannot be done (bot/slack/workflow_step.py, …)."""

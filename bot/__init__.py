"""Leonar for Slack: add Leonar candidates to project pipelines from Slack with /leonar-add."""

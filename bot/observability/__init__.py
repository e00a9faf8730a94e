"""What the bot shows of itself in production: Prometheus metrics (`metrics.py`, served on GET /metrics when
METRICS_TOKEN is set), the request each log line belongs to (`requests.py`) and log lines, as text or JSON, with
secrets masked (`logs.py`)."""

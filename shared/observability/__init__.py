"""Seeing what the pipeline does: structured logs and where they go, secrets redacted,
Prometheus metrics."""

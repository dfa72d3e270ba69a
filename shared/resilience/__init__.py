"""Retries and (later) the shared breaker: every upstream call goes through here."""

"""Sync jobs as a unit of work: planning a sync, opening its job and publishing its commands."""

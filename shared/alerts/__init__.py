"""Alerts: webhooks told when a job ends badly or a breaker moves, once across the fleet."""

from shared.alerts.loop import AlertLoop, start_alert_group
from shared.alerts.payload import AlertOut, alert_for

__all__ = ["AlertLoop", "AlertOut", "alert_for", "start_alert_group"]

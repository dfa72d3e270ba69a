"""Re-driving open jobs whose work in flight was lost (Redis lost its data)."""

from shared.recovery.redrive import Redriver, commands_still_needed

__all__ = ["Redriver", "commands_still_needed"]

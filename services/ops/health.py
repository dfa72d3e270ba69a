"""``item-sync health``: ask a worker's ``/health`` endpoint; exit 0 only when it answers 200.

Docker healthchecks run it inside the container, where the slim image has no curl.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

PROBE_TIMEOUT_S = 3.0


def probe_health(host: str, port: int) -> int:
    """Print the endpoint's answer; 0 when healthy, 1 otherwise."""
    url = f"http://{host}:{port}/health"
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as answer:
            print(answer.read().decode(errors="replace"))
            return 0 if answer.status == 200 else 1
    except urllib.error.HTTPError as exc:
        print(exc.read().decode(errors="replace"), file=sys.stderr)
    except OSError as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
    return 1

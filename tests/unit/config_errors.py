"""The one-line ConfigError an environment causes, for the settings tests."""

from __future__ import annotations

import pytest

from shared.config import load_settings
from shared.errors import ConfigError


def config_error(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    """The message of the ConfigError that ``env`` causes."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    return str(caught.value)

"""Where the kiosk's configuration (forms, procedures, catalogs, profiles, address tables) is read from."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def default_config_dir() -> Path:
    """``$KIOSK_CONFIG_DIR`` (a site's own copy of the configuration), else the shipped ``config`` package."""
    site = os.environ.get("KIOSK_CONFIG_DIR")
    return Path(site) if site else Path(str(resources.files("config")))

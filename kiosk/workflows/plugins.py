"""Loads the workflow kinds named in ``config/kinds/<kind>.toml``: each file names the module whose ``PLUGIN`` (a
``kiosk.workflows.plugin.WorkflowPlugin``) implements the kind.

``kind = "clinic"`` and ``module = "kiosk.workflows.kinds.clinic"``; a new kind is one module plus that file (and
its procedures, which name the kind).
"""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

from kiosk.workflows.errors import ConfigError
from kiosk.workflows.plugin import WorkflowPlugin

KIND_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")  # the outbox and the intake accept the same kind names


def _plugin(path: Path) -> WorkflowPlugin:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(path.name, str(exc)) from None
    kind, module_name = data.get("kind"), data.get("module")
    if not isinstance(kind, str) or not KIND_NAME.match(kind):
        raise ConfigError(path.name, "kind must be lowercase letters, digits and dashes")
    if kind != path.stem:
        raise ConfigError(path.name, f"the file of kind {kind!r} must be named {kind}.toml")
    if not isinstance(module_name, str) or not module_name:
        raise ConfigError(path.name, "missing text 'module'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(path.name, f"cannot import {module_name!r} ({type(exc).__name__})") from None
    plugin = getattr(module, "PLUGIN", None)
    if not isinstance(plugin, WorkflowPlugin):
        raise ConfigError(path.name, f"{module_name} has no PLUGIN (a WorkflowPlugin)")
    if plugin.kind != kind:
        raise ConfigError(path.name, f"{module_name}.PLUGIN is for kind {plugin.kind!r}, not {kind!r}")
    return plugin


def load_plugins(directory: Path) -> dict[str, WorkflowPlugin]:
    """The kinds of a configuration directory (``<config>/kinds/*.toml``), by kind name."""
    plugins = {path.stem: _plugin(path) for path in sorted(directory.glob("*.toml"))}
    if not plugins:
        raise ConfigError(directory.name, "no workflow kinds (kinds/*.toml)")
    return plugins

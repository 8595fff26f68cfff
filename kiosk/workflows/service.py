"""The calls a screen or the command line makes: fill a workflow's form with its profile and rules applied."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kiosk.address.confirm import ConfirmedAddress
from kiosk.identity import Identity
from kiosk.workflows.fill import FilledForm, fill
from kiosk.workflows.registry import Registry


def profile_defaults(registry: Registry, kind: str) -> dict[str, str]:
    """Values a kiosk location types in advance (``[settings.defaults]`` of the profile named like
    the kind)."""
    profile = registry.profiles.get(kind)
    if profile is None:
        return {}
    return {str(k): str(v) for k, v in profile.settings.get("defaults", {}).items()}


def fill_workflow(
    registry: Registry,
    kind: str,
    identity: Identity,
    typed: Mapping[str, str] | None = None,
    *,
    procedure_id: str | None = None,
    members: Mapping[str, Sequence[Identity]] | None = None,
    address: ConfirmedAddress | None = None,
) -> FilledForm:
    """Fill the procedure (or the kind's first one), then apply the kind's own rules (its plugin's
    ``check_form``). ``address`` is the residence in the current units as the person confirmed it
    (``kiosk.address.confirm``)."""
    procedure = registry.for_kind(kind, procedure_id)
    form = fill(procedure, identity, {**profile_defaults(registry, kind), **(typed or {})}, members)
    form.address = address
    registry.plugin(kind).check_form(form)
    return form

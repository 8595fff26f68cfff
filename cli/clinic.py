"""``kiosk clinic check``: the clinic workflow's steps without queueing — the card check through the clinic relay
(its result code and next step), the QĐ 130 check-in row and XML and the FHIR R4B Bundle."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from typing import Any

from cli.inputs import load_identity, parse_sets
from intake.sims.bhxh import SimCard, scenario_card, simulated_relay
from kiosk.clinic.insurance import HttpCardCheckAdapter
from kiosk.workflows.clinic import card_request
from kiosk.workflows.errors import FieldInputError
from kiosk.workflows.plugin import WorkflowContext
from kiosk.workflows.registry import default_registry
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.submit import before_consent, start_visit
from wire.console import print_json


def register(sub: Any) -> None:
    clinic = sub.add_parser("clinic", help="clinic check-in")
    csub = clinic.add_subparsers(dest="clinic_command", required=True, metavar="ACTION")
    p = csub.add_parser("check", help="check the insurance card and build the check-in records")
    p.add_argument("--identity", required=True)
    p.add_argument("--set", action="append", metavar="FIELD=VALUE", dest="sets")
    p.add_argument(
        "--url", help="the clinic system's base URL (default: the clinic profile's card_check_url)"
    )
    p.add_argument(
        "--simulate", action="store_true", help="use the simulated card-check service in-process"
    )
    p.add_argument(
        "--sim-result",
        default="000",
        metavar="CODE",
        help="with --simulate: the result code the simulated card should produce (default 000)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_check)


def sim_card(code: str, *, id_number: str | None, full_name: str, date_of_birth: date, sex: str | None,
             today: date, card_number: str | None = None) -> tuple[SimCard | None, dict[str, str]]:
    """The simulated gateway's card for a person, made to answer ``code`` (a documented BHXH result code)."""
    number = card_number or "DN4" + (id_number or "0" * 12)[-12:]
    try:
        return scenario_card(code, card_number=number, id_number=id_number, full_name=full_name,
                             date_of_birth=date_of_birth, sex="1" if sex == "M" else "2", today=today)
    except ValueError:
        raise FieldInputError("sim-result", "a documented result code such as 000 or 010",
                              "một mã kết quả đã biết, ví dụ 000 hoặc 010") from None


def _check(args: argparse.Namespace) -> int:
    registry = default_registry()
    profile = registry.profiles["clinic"]
    typed = parse_sets(args.sets)
    typed.setdefault("visit_reason", "Đăng ký khám tại kiosk")
    form = fill_workflow(registry, "clinic", load_identity(args.identity), typed)
    plugin = registry.plugin("clinic")
    with ExitStack() as stack:
        url = args.url or str(profile.settings.get("card_check_url", ""))
        if args.simulate:
            url = stack.enter_context(_simulated(form, args.sim_result, date.today()))
        ctx = WorkflowContext(card_check=HttpCardCheckAdapter(url))
        visit = start_visit(registry, form, profile_id="clinic")
        notices = before_consent(registry, visit, ctx)
        extra = plugin.submission_extra(visit, ctx) if form.complete else {}
    checked = bool(visit.outputs.get("card_check", {}).get("checked"))
    ok = form.complete and checked
    print_json({"ok": ok, "simulated": args.simulate, "form": form.to_dict(),
                "notices": [n.to_dict() for n in notices], **extra})
    return 0 if ok else 1


@contextmanager
def _simulated(form: Any, code: str, today: date) -> Iterator[str]:
    """The simulated gateway and clinic relay on loopback, with a card producing ``code`` for this person."""
    request = card_request(form)
    if request is None:
        raise FieldInputError(
            "identity",
            "a name, date of birth and ID or card number",
            "họ tên, ngày sinh và số định danh hoặc mã thẻ",
        )
    card, _ = sim_card(code, id_number=form.get("id_number"), full_name=request.full_name,
                       date_of_birth=request.date_of_birth, sex=form.get("sex"), today=today,
                       card_number=form.get("insurance_card"))
    with simulated_relay([card] if card else [], today=today) as url:
        yield url

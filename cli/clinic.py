"""``kiosk clinic check``: card check through the clinic system, QĐ 130 check-in row, FHIR R4 resources."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.console import print_json


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


def _check(args: argparse.Namespace) -> int:
    from contextlib import ExitStack
    from datetime import date

    from cli.inputs import load_identity, parse_sets
    from kiosk.clinic.insurance import HttpCardCheckAdapter
    from kiosk.workflows.clinic import card_request, check_in, new_visit
    from kiosk.workflows.registry import default_registry
    from kiosk.workflows.service import fill_workflow

    registry = default_registry()
    profile = registry.profiles["clinic"]
    typed = parse_sets(args.sets)
    typed.setdefault("visit_reason", "Đăng ký khám tại kiosk")
    form = fill_workflow(registry, "clinic", load_identity(args.identity), typed)
    with ExitStack() as stack:
        url = args.url or str(profile.settings.get("card_check_url", ""))
        if args.simulate:
            url = stack.enter_context(_simulated(form, args.sim_result, date.today(), card_request))
        result = check_in(form, HttpCardCheckAdapter(url), new_visit(profile))
    ok = form.complete and result.card_error is None
    print_json(
        {
            "ok": ok,
            "simulated": args.simulate,
            "form": form.to_dict(),
            **result.to_dict(),
        }
    )
    return 0 if ok else 1


def _simulated(form: Any, code: str, today: Any, card_request: Any) -> Any:
    """The simulated gateway and clinic relay on loopback, with a card producing ``code`` for this person."""
    from contextlib import contextmanager

    from intake.sims.bhxh import BhxhSim, ClinicAccount, md5, scenario_card, serve_relay
    from kiosk.workflows.errors import FieldInputError

    request = card_request(form)
    if request is None:
        raise FieldInputError(
            "identity",
            "a name, date of birth and ID or card number",
            "họ tên, ngày sinh và số định danh hoặc mã thẻ",
        )
    number = form.get("insurance_card") or "DN4" + (form.get("id_number") or "0" * 12)[-12:]
    try:
        card, _ = scenario_card(
            code,
            card_number=number,
            id_number=form.get("id_number"),
            full_name=request.full_name,
            date_of_birth=request.date_of_birth,
            sex="1" if form.get("sex") == "M" else "2",
            today=today,
        )
    except ValueError:
        raise FieldInputError(
            "sim-result",
            "a documented result code such as 000 or 010",
            "một mã kết quả đã biết, ví dụ 000 hoặc 010",
        ) from None
    account = ClinicAccount("kiosk-sim", "kiosk-sim", "Nhân viên tiếp đón (mô phỏng)", "001080000001")
    sim = BhxhSim(
        cards=[card] if card else [], accounts={account.username: md5(account.password)}, today=today
    )

    @contextmanager
    def running() -> Any:
        with serve_relay(sim, account) as (_, url):
            yield url

    return running()

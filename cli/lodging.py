"""``kiosk lodging``: deadlines, the guest register, police exports and (if enabled) the police API."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any

from cli.inputs import load_identity, parse_day, parse_moment, parse_sets
from kiosk.errors import KioskError
from kiosk.lodging.cslt_client import Credentials, CsltClient, configured_client
from kiosk.lodging.day_export import declare_pending
from kiosk.lodging.deadline import deadline
from kiosk.lodging.guest import guest_from_form
from kiosk.lodging.register import GuestRegister
from kiosk.lodging.xlsx_export import export_xlsx
from kiosk.lodging.xml_export import export_xml
from kiosk.state_dir import state_dir
from kiosk.workflows.errors import InputFileError
from kiosk.workflows.registry import catalog_toml, default_registry
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.values import VN_TZ
from wire.console import print_json
from wire.private_file import write_private


def register(sub: Any) -> None:
    lodging = sub.add_parser("lodging", help="lodging notification: deadlines, guest register, exports")
    lsub = lodging.add_subparsers(dest="lodging_command", required=True, metavar="ACTION")

    p = lsub.add_parser("deadline", help="the legal deadline for notifying a guest")
    p.add_argument("--arrival", required=True, help="arrival, ISO date and time (no zone = Vietnam time)")
    p.add_argument("--foreign", action="store_true", help="foreign guest (12 h)")
    p.add_argument("--remote", action="store_true", help="remote area (24 h for foreign guests)")
    p.add_argument("--now", help="evaluate the status at this time (default: now)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_deadline)

    p = lsub.add_parser("add", help="register a guest from an identity file and typed stay details")
    p.add_argument("--identity", required=True)
    p.add_argument("--set", action="append", metavar="FIELD=VALUE", dest="sets")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_add)

    p = lsub.add_parser("list", help="guests arriving on a day, with deadline status (no personal data)")
    p.add_argument("--date", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_list)

    p = lsub.add_parser("pending", help="every guest not yet notified, earliest deadline first, with status")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_pending)

    p = lsub.add_parser("checkout", help="record a guest's check-out")
    p.add_argument("--guest", required=True, help="register id")
    p.add_argument("--at", help="check-out time (default: now)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_checkout)

    p = lsub.add_parser("extend", help="change a guest's expected departure")
    p.add_argument("--guest", required=True)
    p.add_argument("--departure", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_extend)

    p = lsub.add_parser("export", help="the police import files for the guests arriving on a day")
    p.add_argument("--date", required=True, help="arrival day YYYY-MM-DD (Vietnam time)")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--xlsx", help="Vietnamese guests: the XLSX import template")
    out.add_argument("--xml", help="foreign guests: the KHAI_BAO_TAM_TRU XML")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_export)

    p = lsub.add_parser("catalogs", help="refresh the stay-reason catalog from the police system (if enabled)")
    p.add_argument("--simulate", action="store_true", help="use the simulated police system in-process")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_catalogs)

    p = lsub.add_parser("notify", help="send the day's pending guests through the police API (if enabled)")
    p.add_argument("--date", required=True)
    p.add_argument("--simulate", action="store_true", help="use the simulated police system in-process")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_notify)


def _settings() -> dict[str, Any]:
    profile = default_registry().profiles.get("lodging")
    return dict(profile.settings) if profile else {}


def _register() -> Any:
    return GuestRegister(state_dir(), remote_area=bool(_settings().get("remote_area", False)))


def _now(text: str | None, name: str) -> Any:
    return parse_moment(text, name) if text else datetime.now(VN_TZ)


def _deadline(args: argparse.Namespace) -> int:
    dl = deadline(_now(args.arrival, "arrival"), foreign=args.foreign, remote=args.remote)
    soon = timedelta(minutes=int(_settings().get("due_soon_minutes", 60)))
    print_json({"ok": True, **dl.to_dict(_now(args.now, "now"), soon)})
    return 0


def _add(args: argparse.Namespace) -> int:
    form = fill_workflow(default_registry(), "lodging", load_identity(args.identity), parse_sets(args.sets))
    if not form.complete:
        print_json({**form.to_dict(), "registered": None})
        return 1
    entry = _register().add(guest_from_form(form))
    print_json({"ok": True, "registered": entry.to_dict(_now(None, "now"))})
    return 0


def _list(args: argparse.Namespace) -> int:
    now = _now(None, "now")
    entries = _register().arrivals(parse_day(args.date))
    print_json({"ok": True, "date": args.date, "guests": [e.to_dict(now) for e in entries]})
    return 0


def _pending(args: argparse.Namespace) -> int:
    now = _now(None, "now")
    soon = timedelta(minutes=int(_settings().get("due_soon_minutes", 60)))
    guests = []
    for entry in _register().pending():
        summary = entry.to_dict(now)
        summary["status"] = entry.deadline.status(now, due_soon=soon)
        guests.append(summary)
    counts = {s: sum(1 for g in guests if g["status"] == s) for s in ("overdue", "due-soon", "pending")}
    print_json({"ok": counts["overdue"] == 0, "counts": counts, "guests": guests})
    return 0


def _police_change(entry: Any, extend_to: Any) -> dict[str, Any] | None:
    """Tell the police system about an early check-out or an extension (API 12) if the guest was declared
    through the API; ``None`` when there is nothing to send."""


    if not (entry.notify_ref or "").startswith("cslt:") or not _settings().get("cslt_api_enabled"):
        return None
    if entry.guest.foreign:
        return {"sent": False, "reason": "the API changes Vietnamese guests only: update the declaration manually"}
    try:
        with ExitStack() as stack:
            _client(stack, False).change_departure(entry.guest, extend_to=extend_to)
    except KioskError as exc:
        return {"sent": False, "error": exc.to_dict()}
    return {"sent": True}


def _checkout(args: argparse.Namespace) -> int:
    entry = _register().check_out(args.guest, _now(args.at, "at"))
    police = _police_change(entry, None)
    print_json({"ok": police is None or police["sent"], "guest": entry.to_dict(_now(None, "now")), "police": police})
    return 0


def _extend(args: argparse.Namespace) -> int:
    departure = _now(args.departure, "departure")
    entry = _register().extend(args.guest, departure)
    police = _police_change(entry, departure)
    print_json({"ok": police is None or police["sent"], "guest": entry.to_dict(_now(None, "now")), "police": police})
    return 0


def _export(args: argparse.Namespace) -> int:
    day = parse_day(args.date)
    entries = _register().arrivals(day)
    if args.xlsx:
        data, path = export_xlsx(entries, default_registry(), day=day), args.xlsx
        count = sum(1 for e in entries if not e.guest.foreign)
    else:
        data, path = export_xml(entries), args.xml
        count = sum(1 for e in entries if e.guest.foreign)
    write_private(path, data)  # personal data: 0600
    print_json({"ok": True, "date": args.date, "file": path, "guests": count, "bytes": len(data)})
    return 0


def _client(stack: Any, simulate: bool) -> Any:
    """The police API client: the simulated system on loopback, or the configured one if enabled."""
    if simulate:
        # Simulation only: the simulated police system (FastAPI, uvicorn) loads with ``--simulate``.
        from intake.sims.police import PoliceSim, build_app
        from intake.sims.serve import serve

        reasons = [{"id": 1, "name": "Du lịch"}, {"id": 2, "name": "Lao động"}, {"id": 20, "name": "Khác"}]
        sim = PoliceSim(accounts={"kiosk-sim": "kiosk-sim"}, catalogs={"ly-do-cu-tru": reasons})
        url = stack.enter_context(serve(build_app(sim)))
        return CsltClient(url, Credentials("kiosk-sim", "kiosk-sim", sim.basic_auth))
    client = configured_client(_settings())
    if client is None:
        raise KioskError(
            "The police API is not enabled (cslt_api_enabled in the lodging profile); "
            "export the XLSX/XML files instead",
            field="cslt_api_enabled",
            message_vi="Chưa bật gửi qua API của Công an. Hãy xuất tệp XLSX/XML để khai báo.",
            code="cslt-disabled",
        )
    return client


def _catalogs(args: argparse.Namespace) -> int:
    with ExitStack() as stack:
        items = _client(stack, args.simulate).catalog("stay-reasons")
    pairs = [(str(i["id"]), str(i["name"])) for i in items if isinstance(i, dict) and "id" in i and i.get("name")]
    if not pairs:
        raise InputFileError("stay-reason catalog", "danh mục lý do lưu trú",
                             "the police system returned no usable entries",
                             "hệ thống của Công an không trả về mục nào")
    folder = state_dir() / "catalogs"
    folder.mkdir(exist_ok=True)
    note = f"Synced from the police system on {datetime.now(VN_TZ).date().isoformat()}."
    (folder / "stay-reasons.toml").write_text(catalog_toml(pairs, note), encoding="utf-8")
    print_json({"ok": True, "catalog": "stay-reasons", "entries": len(pairs), "simulated": args.simulate})
    return 0


def _notify(args: argparse.Namespace) -> int:
    now = _now(None, "now")
    with ExitStack() as stack:
        results = declare_pending(_register(), _client(stack, args.simulate), parse_day(args.date), now)
    print_json({"ok": all(r.get("sent") for r in results), "simulated": args.simulate, "results": results})
    return 0

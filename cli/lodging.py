"""``kiosk lodging``: deadlines, the guest register, police exports and (if enabled) the police API."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.console import print_json
from kiosk.private_file import write_private


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
    from kiosk.workflows.registry import default_registry

    profile = default_registry().profiles.get("lodging")
    return dict(profile.settings) if profile else {}


def _register() -> Any:
    from kiosk.lodging.register import GuestRegister
    from kiosk.state_dir import state_dir

    return GuestRegister(state_dir(), remote_area=bool(_settings().get("remote_area", False)))


def _now(text: str | None, name: str) -> Any:
    from datetime import datetime

    from cli.inputs import parse_moment
    from kiosk.workflows.values import VN_TZ

    return parse_moment(text, name) if text else datetime.now(VN_TZ)


def _deadline(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from kiosk.lodging.deadline import deadline

    dl = deadline(_now(args.arrival, "arrival"), foreign=args.foreign, remote=args.remote)
    soon = timedelta(minutes=int(_settings().get("due_soon_minutes", 60)))
    print_json({"ok": True, **dl.to_dict(_now(args.now, "now"), soon)})
    return 0


def _add(args: argparse.Namespace) -> int:
    from cli.inputs import load_identity, parse_sets
    from kiosk.lodging.guest import guest_from_form
    from kiosk.workflows.registry import default_registry
    from kiosk.workflows.service import fill_workflow

    form = fill_workflow(default_registry(), "lodging", load_identity(args.identity), parse_sets(args.sets))
    if not form.complete:
        print_json({**form.to_dict(), "registered": None})
        return 1
    entry = _register().add(guest_from_form(form))
    print_json({"ok": True, "registered": entry.to_dict(_now(None, "now"))})
    return 0


def _list(args: argparse.Namespace) -> int:
    from cli.inputs import parse_day

    now = _now(None, "now")
    entries = _register().arrivals(parse_day(args.date))
    print_json({"ok": True, "date": args.date, "guests": [e.to_dict(now) for e in entries]})
    return 0


def _pending(args: argparse.Namespace) -> int:
    from datetime import timedelta

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
    from contextlib import ExitStack

    from kiosk.errors import KioskError

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
    from cli.inputs import parse_day
    from kiosk.lodging.xlsx_export import export_xlsx
    from kiosk.lodging.xml_export import export_xml
    from kiosk.workflows.registry import default_registry

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
    import os

    from kiosk.errors import KioskError
    from kiosk.lodging.cslt_client import Credentials, CsltClient

    if simulate:
        from intake.sims.police import PoliceSim, build_app
        from intake.sims.serve import serve

        reasons = [{"id": 1, "name": "Du lịch"}, {"id": 2, "name": "Lao động"}, {"id": 20, "name": "Khác"}]
        sim = PoliceSim(accounts={"kiosk-sim": "kiosk-sim"}, catalogs={"ly-do-cu-tru": reasons})
        url = stack.enter_context(serve(build_app(sim)))
        return CsltClient(url, Credentials("kiosk-sim", "kiosk-sim", sim.basic_auth))
    settings = _settings()
    if not settings.get("cslt_api_enabled"):
        raise KioskError(
            "The police API is not enabled (cslt_api_enabled in the lodging profile); "
            "export the XLSX/XML files instead",
            field="cslt_api_enabled",
            message_vi="Chưa bật gửi qua API của Công an. Hãy xuất tệp XLSX/XML để khai báo.",
            code="cslt-disabled",
        )
    creds = Credentials(
        os.environ.get("KIOSK_CSLT_USERNAME", ""),
        os.environ.get("KIOSK_CSLT_PASSWORD", ""),
        os.environ.get("KIOSK_CSLT_BASIC_AUTH", ""),
    )
    return CsltClient(str(settings.get("cslt_api_url")), creds)


def _catalogs(args: argparse.Namespace) -> int:
    from contextlib import ExitStack
    from datetime import datetime

    from kiosk.state_dir import state_dir
    from kiosk.workflows.errors import InputFileError
    from kiosk.workflows.registry import catalog_toml
    from kiosk.workflows.values import VN_TZ

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
    from contextlib import ExitStack

    from cli.inputs import parse_day
    from kiosk.errors import KioskError
    from kiosk.lodging.deadline import api_window_open

    now = _now(None, "now")
    with ExitStack() as stack:
        client = _client(stack, args.simulate)
        register = _register()
        results = []
        for entry in register.arrivals(parse_day(args.date)):
            if entry.notified_at:
                continue
            item: dict[str, Any] = {"id": entry.id, "room": entry.guest.room}
            if not api_window_open(entry.guest.arrival_at, now):
                item.update(sent=False, reason="outside the API window (today or yesterday): file manually")
            else:
                try:
                    send = client.declare_foreign if entry.guest.foreign else client.declare_vietnamese
                    reply = send([entry.guest])
                    register.mark_notified(entry.id, now, f"cslt:{reply.code}")
                    item.update(sent=True)
                except KioskError as exc:
                    item.update(sent=False, error=exc.to_dict())
            results.append(item)
    print_json({"ok": all(r.get("sent") for r in results), "simulated": args.simulate, "results": results})
    return 0

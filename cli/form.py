"""``kiosk form``: list procedures, fill a workflow's form from an identity, render the CT01 PDF."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from cli.inputs import load_identity, parse_day, parse_sets
from kiosk.address.service import default_service
from kiosk.forms.ct01_pdf import render_ct01
from kiosk.workflows.errors import FormError
from kiosk.workflows.registry import default_registry
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.values import VN_TZ
from wire.console import print_json
from wire.private_file import write_private

KINDS = ("one-stop", "clinic", "lodging")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workflow", required=True, choices=KINDS)
    p.add_argument("--procedure", help="procedure id (default: the workflow's first procedure)")
    p.add_argument("--identity", required=True, help="identity JSON file (kiosk.identity.Identity)")
    p.add_argument(
        "--member",
        action="append",
        metavar="FILE",
        help="identity JSON of a household member changing too (CT01 item 11), repeatable",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="FIELD=VALUE",
        dest="sets",
        help="a typed value; table cells as members.N.column; repeatable",
    )
    p.add_argument("--json", action="store_true", help="print JSON")


def register(sub: Any) -> None:
    form = sub.add_parser("form", help="fill and render workflow forms")
    fsub = form.add_subparsers(dest="form_command", required=True, metavar="ACTION")
    lst = fsub.add_parser("procedures", help="the procedures a profile offers, with their form fields")
    lst.add_argument("--profile", choices=KINDS)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=_procedures)
    fill = fsub.add_parser("fill", help="fill a form: values with their source, missing fields, errors")
    _common(fill)
    fill.set_defaults(handler=_fill)
    render = fsub.add_parser("render", help="render the filled CT01 to a printable A4 PDF")
    _common(render)
    render.add_argument("--pdf", required=True, help="output PDF file")
    render.add_argument("--signed-on", help="date printed above the signatures (YYYY-MM-DD, default today)")
    render.set_defaults(handler=_render)


def _filled(args: argparse.Namespace) -> Any:
    members = [load_identity(m) for m in args.member or []]
    return fill_workflow(
        default_registry(),
        args.workflow,
        load_identity(args.identity),
        parse_sets(args.sets),
        procedure_id=args.procedure,
        members={"members": members} if members else None,
    )


def _procedures(args: argparse.Namespace) -> int:
    registry = default_registry()
    procs = registry.offered(args.profile) if args.profile else list(registry.procedures.values())
    print_json({"ok": True, "procedures": [p.to_dict() for p in procs]})
    return 0


def _fill(args: argparse.Namespace) -> int:
    form = _filled(args)
    out = form.to_dict()
    residence = form.identity.residence
    out["address"] = default_service().convert(residence).to_dict() if residence else None
    print_json(out)
    return 0


def _render(args: argparse.Namespace) -> int:
    form = _filled(args)
    if form.procedure.renderer != "ct01":
        raise FormError(
            f"Procedure {form.procedure.id!r} has no printable form",
            field="procedure",
            message_vi="Thủ tục này không có mẫu in.",
            code="no-printable-form",
        )
    signed_on = parse_day(args.signed_on) if args.signed_on else datetime.now(VN_TZ).date()
    data = render_ct01(form, signed_on=signed_on)
    write_private(args.pdf, data)  # personal data: 0600
    ok = form.complete
    print_json(
        {
            "ok": ok,
            "pdf": args.pdf,
            "bytes": len(data),
            "procedure": form.procedure.id,
            "missing": form.missing,
            "errors": [e.to_dict() for e in form.errors],
        }
    )
    return 0 if ok else 1

"""``kiosk run``: the kiosk itself.

With a display it opens the touch UI (``--fullscreen`` for the kiosk screen). ``--simulate`` swaps in the
simulated devices and an embedded intake, and a simulated visitor presents a sample card on each scan. Without a
display it runs the headless end-to-end demo: scan (QR by the virtual camera, then the chip) → form → consent →
queue → intake → receipt, printed as a summary.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from cli.devices import KioskServices, build_services
from drivers.detect import connected_devices
from drivers.speech import SETTINGS_FILE, Speaker
from kiosk.address.service import default_service
from kiosk.controller import KioskController
from kiosk.scratch_dir import scratch_state_dir
from kiosk.session import Step
from kiosk.site_config import SiteConfig, development_operator_pin, load_site_config, site_file_given
from kiosk.state_dir import state_dir
from kiosk.workflows.kinds import preload
from kiosk.workflows.model import SHIPPED_KINDS
from kiosk.workflows.registry import default_registry
from wire.console import print_json

PROFILES = SHIPPED_KINDS  # the shipped profiles, named like their kinds


def apply_site_config(args: argparse.Namespace) -> SiteConfig:
    """Fill every option the command line left unset from the site configuration file (or its defaults)."""
    site = load_site_config(args.config)
    given = {"profile": site.profile, "intake_url": site.intake_url, "fullscreen": site.fullscreen,
             "idle_seconds": site.idle_seconds, "state_dir": site.state_dir, "camera": site.devices.camera,
             "reader": site.devices.reader, "printer": site.devices.printer}
    for name, value in given.items():
        if getattr(args, name, None) is None:
            setattr(args, name, value)
    if site.config_dir is not None:  # the site's own copy of forms, procedures and profiles
        os.environ.setdefault("KIOSK_CONFIG_DIR", str(site.config_dir))
    return site


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="run the kiosk (touch UI with a display, headless demo without)")
    run.add_argument("--config", type=Path, help="site configuration file (default: $KIOSK_CONFIG; flags override "
                                                  "it; see docs/configuration.md)")
    run.add_argument("--profile", choices=PROFILES, help="kind of site (default one-stop)")
    run.add_argument("--simulate", action="store_true", help="use the simulated devices and an embedded intake")
    run.add_argument("--realistic-camera", action="store_true",
                     help="with --simulate: the camera shows hard presentations (glare, defocus, phone screens...)")
    run.add_argument("--auto", action="store_true",
                     help="use the connected camera and card reader; the simulated devices when neither is found")
    run.add_argument("--fullscreen", action=argparse.BooleanOptionalAction, default=None)
    run.add_argument("--headless", action="store_true", help="run the end-to-end demo even with a display")
    run.add_argument("--state-dir", type=Path, help="kiosk state (default: $KIOSK_STATE_DIR or a temporary "
                                                      "directory when simulating)")
    run.add_argument("--intake-url", help="the intake service (default: embedded when simulating)")
    run.add_argument("--camera", help="camera index or V4L2 device path (default 0)")
    run.add_argument("--reader", help="PC/SC reader name (substring)")
    run.add_argument("--printer", help="ESC/POS printer: usb:VID:PID, net:HOST[:PORT] or file:PATH")
    run.add_argument("--idle-seconds", type=float, help="wipe the screen after this much inactivity (default 60)")
    run.add_argument("--json", action="store_true", help="print the demo result as JSON")
    run.set_defaults(handler=_run)


def build_controller(services: KioskServices, profile: str, *, post: Callable[[Callable[[], None]], None],
                     idle_seconds: float = 60.0, operator_pin: str | None = None) -> KioskController:
    default_service().start_loading()  # the address data takes seconds: loaded while nobody is at the kiosk
    return KioskController(default_registry(), profile, outbox=services.outbox, devices=services.devices,
                           post=post, idle_seconds=idle_seconds, workflow=services.workflow,
                           operator_pin=operator_pin or os.environ.get("KIOSK_OPERATOR_PIN"))


@contextlib.contextmanager
def _state_dir(args: argparse.Namespace) -> Iterator[Path]:
    """The state directory; when simulating without one, a temporary directory removed at exit (Ctrl-C and
    SIGTERM included)."""
    if args.state_dir:
        yield Path(args.state_dir)
    elif os.environ.get("KIOSK_STATE_DIR"):
        yield Path(os.environ["KIOSK_STATE_DIR"])
    elif args.simulate:
        with scratch_state_dir() as directory:
            yield directory
    else:
        yield state_dir()


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _choose_devices(args: argparse.Namespace) -> None:
    """``--auto``: the devices connected to this machine, or the simulated twins when there are none."""
    found = connected_devices()
    args.simulate = not found.any
    if found.any:
        args.camera = found.camera or ""
        args.reader = args.reader or found.reader
    print(f"devices: {'simulated (no camera or card reader found)' if args.simulate else found}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    site = apply_site_config(args)
    # a deployed kiosk's PIN is in its site file; a development run without one uses the shipped sample's
    args.operator_pin = site.operator_pin if site_file_given(args.config) else development_operator_pin(args.profile)
    if args.auto and not args.simulate:
        _choose_devices(args)
    with _state_dir(args) as state:
        services = build_services(state, simulate=args.simulate, profile=args.profile,
                                  intake_url=args.intake_url, camera=args.camera, reader=args.reader,
                                  printer=args.printer, embedded_intake=args.simulate or args.auto,
                                  heartbeat_seconds=site.heartbeat.interval_seconds,
                                  establishment=site.heartbeat.establishment, clinic=site.clinic,
                                  realistic_camera=args.realistic_camera)
        try:
            if _has_display() and not args.headless:
                return _run_ui(args, services)
            return _run_demo(args, services)
        finally:
            services.close()


# -- the touch UI --------------------------------------------------------------------------------------------------

def simulated_visitor(controller: KioskController, services: KioskServices, delay: float = 1.5) -> None:
    """In simulation, a visitor presents the next sample card shortly after each scan starts."""
    world = services.world
    if world is None:
        return
    counter = iter(range(1, 1_000_000))

    def on_step(_session: Any, step: Step) -> None:
        if step is Step.SCAN:
            n = next(counter)
            threading.Timer(delay, lambda: world.present(n)).start()
        elif step is Step.HOME:
            world.take_away()

    controller.session.subscribe(on_step)


def _run_ui(args: argparse.Namespace, services: KioskServices) -> int:
    # Kivy reads its window settings when first imported: the screens load only once they are configured, and only
    # when the touch UI runs (the headless demo and the other commands never load Kivy).
    from screens.driver import configure_kivy

    configure_kivy(fullscreen=args.fullscreen)
    from screens.app import KioskApp, post_to_ui

    controller = build_controller(services, args.profile, post=post_to_ui, idle_seconds=args.idle_seconds,
                                  operator_pin=args.operator_pin)
    simulated_visitor(controller, services)
    preload()  # the workflows' heavy format libraries, while the home screen waits for the first visitor
    speaker = Speaker(enabled=True, settings=services.state_dir / SETTINGS_FILE)
    try:
        KioskApp(controller, speaker=speaker).run()
    finally:
        speaker.close()
    controller.cancel()
    return 0


# -- the headless demo ---------------------------------------------------------------------------------------------

def demo_value(row: Any, identity: Any, now: Any) -> str:
    """A plausible value for a field the card does not fill (demo only)."""
    if row.choices:
        return str(row.choices[0][0])
    by_type = {"date": (now - timedelta(days=1)).strftime("%d/%m/%Y"), "phone": "0912345678",
               "email": "khach@example.vn", "id_number": identity.id_number or ""}
    if row.type == "datetime":
        later = now + timedelta(days=2) if "depart" in row.name else now
        return later.strftime("%d/%m/%Y %H:%M")
    by_name = {"room": "101", "visit_reason": "Khám sức khỏe định kỳ", "head_name": identity.full_name or "",
               "request": "Đăng ký tạm trú tại địa chỉ mới"}
    return by_type.get(row.type) or by_name.get(row.name) or "Không"


def demo_visit(controller: KioskController, services: KioskServices, tasks: queue.Queue[Callable[[], None]],
               n: int) -> dict[str, Any]:
    """One simulated visit by sample citizen ``n``, the way a person makes it on the touch screen (the first
    procedure, the card under the camera and on the reader, the missing fields typed, the workflow's checks,
    consent, the one submit, delivery): its summary, with the workflow's outputs and the timings."""
    world = services.world
    assert world is not None

    def pump_until(done: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError("the demo step did not finish in time")
            with contextlib.suppress(queue.Empty):
                tasks.get(timeout=0.05)()

    timings: dict[str, float] = {}
    procedure = controller.procedures()[0]
    controller.start(procedure.id)
    world.present(n)
    shown = world.card_shown_at or time.monotonic()
    pump_until(lambda: controller.session.step is Step.REVIEW, 20)
    timings["card_to_review_s"] = time.monotonic() - shown
    pump_until(lambda: controller.scan.chip_progress == 1.0 and not controller.scan.chip_busy, 30)
    timings["card_to_chip_done_s"] = time.monotonic() - shown
    identity = controller.session.identity
    assert identity is not None
    now = controller.now()
    for row in controller.rows():
        if row.missing:
            controller.set_value(row.name, demo_value(row, identity, now))
    problems = [(r.name, r.error) for r in controller.rows() if r.missing or r.error]
    if problems:
        return {"ok": False, "problems": problems}
    sources = {r.name: r.source for r in controller.rows() if r.source}
    started = time.monotonic()
    controller.to_consent()
    pump_until(lambda: not controller.checking, 30)  # the workflow's steps before consent (the card check)
    notices = [n.to_dict() for n in controller.notices()]
    if notices:
        timings["checks_before_consent_s"] = time.monotonic() - started
    controller.continue_to_consent()
    started = time.monotonic()
    error = controller.submit()
    if error is not None:
        return {"ok": False, "error": error.to_dict()}
    pump_until(lambda: not controller.printing, 30)  # a queue ticket prints at once
    if controller.submitted is not None and controller.submitted.ticket is not None:
        timings["submit_and_ticket_printed_s"] = time.monotonic() - started
    pump_until(controller.delivered, 30)
    timings["submit_to_delivered_s"] = time.monotonic() - started
    outcome, submitted = controller.session.outcome, controller.submitted
    assert outcome is not None and submitted is not None
    printed = services.devices.printer.print_receipt(outcome.receipt) if services.devices.printer else None
    summary = {"ok": True, "profile": controller.profile_id, "procedure": procedure.id, "sid": outcome.sid,
               "receipt_code": outcome.receipt_code, "delivered": True, "receipt_image": printed,
               "ticket_image": controller.printed_ticket, "notices": notices,
               # the workflow's outputs: clinic card_check, qd130_xml, fhir; one-stop ticket, ct01_pdf; lodging deadline
               **submitted.outputs,
               "identity_source": identity.source,
               # a synthetic sample card: shown so the demo proves what was read
               "identity": {k: v for k, v in identity.to_dict().items()
                            if k not in ("raw", "verification") and v not in (None, False)},
               "verification": {k: (v or {}).get("status") for k, v in identity.verification.items()
                                if isinstance(v, dict)},
               "field_sources": sources, "timings": {k: round(v, 3) for k, v in timings.items()}}
    controller.finish()
    world.take_away()
    return summary


def _run_demo(args: argparse.Namespace, services: KioskServices) -> int:
    if services.world is None:
        print("No display: the headless demo needs the simulated devices (kiosk run --simulate).")
        return 2
    tasks: queue.Queue[Callable[[], None]] = queue.Queue()
    controller = build_controller(services, args.profile, post=tasks.put)
    summary = demo_visit(controller, services, tasks, 1)
    if not summary["ok"]:
        print_json(summary)
        return 1
    if args.json:
        print_json(summary)
    else:
        print("cccd-kiosk headless demo: card → chip → form → checks → consent → queue → intake → receipt")
        for key, value in summary.items():
            if key == "identity":
                print("  identity (synthetic sample card, read from the chip)")
                for field, text in value.items():
                    print(f"    {field:18} {text}")
            elif key in ("qd130_xml", "fhir"):
                print(f"  {key:16} ({len(json.dumps(value, ensure_ascii=False))} characters; --json shows it)")
            else:
                print(f"  {key:16} {value}")
    return 0

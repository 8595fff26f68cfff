"""Kiosk UI benchmark: the real app in a real Kivy window (Xvfb when there is no display), simulated devices.

1. Cold start: a fresh process, from its start to the first drawn frame of the home screen.
2. Card appearing in the virtual camera → filled review screen drawn, QR path (card under the camera only).
3. Card placed on the reader → review screen filled by the chip, chip path (access number typed beforehand;
   emulated CCCD on a simulated 424 kbit/s link, sleeping for the link time), and the longest UI-thread stall
   (gap between two drawn frames beyond the 60 fps frame time) while the chip is read to the end (portrait).
4. Resident memory after N complete visits (QR then chip, form, consent, queue, intake, wipe), against after 10.

Prints a Markdown table and writes it to ``bench/results/ui.md``. Targets: QR ≤ 1.0 s, chip ≤ 3.0 s, stall
≤ 50 ms, no memory growth.

    python bench/ui.py [--sessions 100] [--repeats 5]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ensure_display() -> None:
    if os.environ.get("DISPLAY"):
        return
    subprocess.run(["bash", str(ROOT / "deploy/dev/services.d/xvfb.sh"), "start"], check=True, capture_output=True)
    text = Path(os.environ.get("KIOSK_XVFB_ENV", "/tmp/cccd-kiosk-xvfb.env")).read_text()
    os.environ["DISPLAY"] = text.strip().split("=", 1)[1]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


_COLD = r"""
import os, sys, time
t0 = float(sys.argv[1]); state = sys.argv[2]; url = sys.argv[3]
from screens.driver import AppDriver, configure_kivy
configure_kivy(home=os.path.join(state, "kivy"))
from cli.devices import build_services
from cli.run import build_controller
from screens.app import KioskApp, post_to_ui
services = build_services(__import__("pathlib").Path(state), simulate=True, profile="lodging", intake_url=url)
app = KioskApp(build_controller(services, "lodging", post=post_to_ui))
driver = AppDriver(app)
driver.start()
assert app.sm.current == "home" and app.screens["home"].grid.children
print(time.time() - t0)
driver.stop(); services.close()
"""


def cold_start(state_root: Path, intake_url: str, enrol: object) -> float:
    state = Path(tempfile.mkdtemp(dir=state_root))
    enrol(state)  # type: ignore[operator]
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", _COLD, repr(t0), str(state), intake_url], check=True,
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--parts", default="cold,qr,chip,memory",
                        help="comma-separated subset of cold,qr,chip,memory (the results file is written for all four)")
    args = parser.parse_args()
    ensure_display()

    from screens.driver import AppDriver, configure_kivy

    root = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    configure_kivy(home=str(root / "kivy"))

    from kivy.clock import Clock
    from kivy.core.window import Window

    from cli.devices import build_services
    from cli.run import build_controller, demo_value
    from intake.devserver import IntakeServer
    from kiosk.device_key import load_or_create_device_key
    from kiosk.enrolment import enrol, save_enrolment
    from kiosk.samples import sample_identity
    from kiosk.scan import AccessKey
    from kiosk.session import Step
    from screens.app import KioskApp, post_to_ui

    rows: list[tuple[str, str, str]] = []
    with IntakeServer(root / "intake") as intake:
        def enrolled(state: Path) -> None:
            save_enrolment(state, enrol(intake.url, intake.token(), load_or_create_device_key(state)))

        parts = set(args.parts.split(","))
        if "cold" in parts:
            colds = [cold_start(root, intake.url, enrolled) for _ in range(3)]
            rows.append(("cold start to the home screen (s)", f"median {statistics.median(colds):.2f}, "
                         f"max {max(colds):.2f} (3 runs)", "—"))

        state = root / "kiosk"
        state.mkdir()
        enrolled(state)
        services = build_services(state, simulate=True, profile="lodging", intake_url=intake.url)
        world = services.world
        assert world is not None
        controller = build_controller(services, "lodging", post=post_to_ui, idle_seconds=600)
        app = KioskApp(controller)
        driver = AppDriver(app)
        driver.start()
        review = app.screens["review"]

        def filled(source: str) -> bool:
            identity = controller.session.identity
            return (app.sm.current == "review" and identity is not None and identity.source == source
                    and bool(getattr(review, "views", None)) and bool(getattr(review, "settled", False)))

        # -- QR path ---------------------------------------------------------------------------------------------
        qr_times = []
        for i in range(args.repeats if "qr" in parts else 0):
            n = 100 + i
            world.prepare(n)
            driver.pump(seconds=0.5)  # the previous visit's threads wind down
            controller.start("lodging-guest")
            driver.pump(seconds=0.5)  # the person reads the scan screen (the form is laid out meanwhile)
            world.present(n, chip=False)
            shown = world.card_shown_at
            assert shown is not None
            driver.wait_until(lambda: filled("qr"), 10, "the review screen (QR)")
            driver.pump(frames=1)  # the frame that draws it
            qr_times.append(time.monotonic() - shown)
            controller.cancel()
            world.take_away()
            driver.pump(frames=2)
        if qr_times:
            rows.append(("card in camera view → filled review, QR path (s)",
                         f"median {statistics.median(qr_times):.2f}, max {max(qr_times):.2f}", "≤ 1.0"))

        # -- chip path and UI stalls ------------------------------------------------------------------------------
        chip_times, stalls, handlers, busy, draws = [], [], [], [], []
        stamps: list[tuple[float, float]] = []  # (wall clock, UI-thread CPU clock) at each frame
        handler_ms: list[float] = []
        flips: list[float] = []
        on_event = controller.scanning.on_event

        def timed(event: object) -> None:  # the kiosk's own work on the UI thread for each device event
            start = time.perf_counter()
            on_event(event)  # type: ignore[arg-type]
            handler_ms.append(1000 * (time.perf_counter() - start))

        def on_flip(*_: object) -> None:
            flips.append(time.perf_counter())

        controller.scanning.on_event = timed  # type: ignore[method-assign]
        tick = Clock.schedule_interval(lambda _dt: stamps.append((time.perf_counter(), time.thread_time())), 0)
        Window.bind(on_flip=on_flip)
        for i in range(args.repeats if "chip" in parts else 0):
            n = 200 + i
            world.prepare(n, chip=True)
            controller.start("lodging-guest")
            driver.pump(frames=3)
            controller.provide_key(AccessKey(can=sample_identity(n).pace_can))
            driver.pump(seconds=0.5)
            stamps.clear()
            handler_ms.clear()
            flips.clear()
            world.present(n, qr=False, chip=True)
            placed = time.monotonic()
            driver.wait_until(lambda: filled("chip"), 10, "the review screen (chip)")
            driver.pump(frames=1)
            chip_times.append(time.monotonic() - placed)
            driver.wait_until(lambda: controller.session.portrait is not None and not controller.scan.chip_busy,
                              20, "the end of the chip read")
            driver.pump(frames=3)
            pairs = list(itertools.pairwise(stamps))
            stalls.append(max((b[0] - a[0] for a, b in pairs), default=0.0) - 1 / 60)
            busy.append(max((b[1] - a[1] for a, b in pairs), default=0.0))
            draws.append(len(flips) / max(1e-9, stamps[-1][0] - stamps[0][0]))
            handlers.append(max(handler_ms, default=0.0))
            controller.cancel()
            world.take_away()
            driver.pump(frames=2)
        tick.cancel()
        Window.unbind(on_flip=on_flip)
        controller.scanning.on_event = on_event  # type: ignore[method-assign]
        if chip_times:
            rows.append(("card on reader → review filled by the chip, 424 kbit/s (s)",
                         f"median {statistics.median(chip_times):.2f}, max {max(chip_times):.2f}", "≤ 3.0"))
            rows.append(("longest UI-thread stall during a chip read: gap between frames beyond 16.7 ms (ms)",
                         f"max {1000 * max(stalls):.0f}, median {1000 * statistics.median(stalls):.0f}", "≤ 50"))
            rows.append(("longest UI-thread CPU time within one frame during a chip read (ms)",
                         f"max {1000 * max(busy):.0f}, median {1000 * statistics.median(busy):.0f}", "≤ 50"))
            rows.append(("window redraws per second during a chip read",
                         f"median {statistics.median(draws):.1f}", "—"))
            rows.append(("longest device-event handler on the UI thread during a chip read (ms)",
                         f"max {max(handlers):.0f}, median {statistics.median(handlers):.0f}", "≤ 50"))

        # -- memory over complete visits ---------------------------------------------------------------------------
        memory: dict[int, float] = {}
        cards = [1000 + i for i in range(5)]
        for n in cards:
            world.prepare(n, chip=True)  # the simulation's own clip cache is filled before anything is measured
        for s in range(1, args.sessions + 1 if "memory" in parts else 1):
            n = cards[s % len(cards)]
            controller.start("lodging-guest")
            world.present(n)
            driver.wait_until(lambda: controller.session.identity is not None
                              and controller.session.identity.source == "chip"
                              and not controller.scan.chip_busy, 20, "the chip read")
            identity = controller.session.identity
            now = controller.now()
            for row in controller.rows():
                if row.missing:
                    controller.set_value(row.name, demo_value(row, identity, now))
            driver.pump(frames=2)
            controller.to_consent()
            driver.pump(frames=2)
            error = controller.submit()
            assert error is None, error
            driver.pump(frames=2)
            controller.finish()
            world.take_away()
            driver.pump(frames=2)
            assert controller.session.step is Step.HOME
            if s in (10, args.sessions):
                memory[s] = rss_mb()
        driver.stop()
        services.close()
    if memory:
        growth = memory[args.sessions] - memory[min(10, args.sessions)]
        rows.append((f"resident memory after {args.sessions} visits (MB)",
                     f"{memory[args.sessions]:.0f} (after 10: {memory[min(10, args.sessions)]:.0f}, "
                     f"growth {growth:+.1f})", "no growth"))

    table = ["| measure | result | target |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows)]
    load = os.getloadavg()[0]
    header = (f"# UI benchmark ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average "
              f"{load:.1f}, window 1280×800 on {os.environ.get('DISPLAY')}, Mesa software rendering)\n")
    text = header + "\n" + "\n".join(table) + "\n"
    print(text)
    if parts != {"cold", "qr", "chip", "memory"}:
        return 0  # a partial run is not a result
    out = ROOT / "bench" / "results" / "ui.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

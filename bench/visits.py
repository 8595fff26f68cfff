"""Whole visits through the one submit road, per workflow, in one process: the simulated kiosk of each profile
(virtual camera, emulated chip, simulated clinic relay, PNG printer twin, embedded intake), visited by sample
citizens one after the other the way the headless demo does it (``cli.run.demo_visit``).

Figures, side by side for the three profiles:

- card → review: from the card appearing under the camera to the filled review (QR path);
- checks before consent: the clinic's BHYT card check, kiosk → relay → gateway and back (the check-in round trip);
- submit → ticket printed: queueing (sign, encrypt, commit), the queue number, the slip rendered and printed;
- submit → delivered: until the intake acknowledged the submission.

Each visit runs on a freshly started simulated kiosk (first visit of the day: the relay logs in, the ticket
sequence starts), as the simulated reader serves one chip per kiosk start reliably.

Prints a Markdown table and writes it to ``bench/results/visits.md``.

    python bench/visits.py [--visits 10]
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli.devices import build_services  # noqa: E402
from cli.run import build_controller, demo_visit  # noqa: E402

PROFILES = ("clinic", "one-stop", "lodging")
FIGURES = (("card → review (QR)", "card_to_review_s"),
           ("checks before consent (card check)", "checks_before_consent_s"),
           ("submit → ticket printed", "submit_and_ticket_printed_s"),
           ("submit → delivered", "submit_to_delivered_s"))


def visit(profile: str, n: int) -> dict[str, float]:
    """One visit by sample citizen ``n`` on a freshly started simulated kiosk (its start is not measured)."""
    with tempfile.TemporaryDirectory(prefix="bench-visits-") as state:
        services = build_services(Path(state), simulate=True, profile=profile, heartbeat_seconds=None)
        try:
            tasks: queue.Queue[Callable[[], None]] = queue.Queue()
            controller = build_controller(services, profile, post=tasks.put)
            services.world.prepare(n, chip=True)  # the simulation's own card rendering is not measured
            summary = demo_visit(controller, services, tasks, n)
            if not summary["ok"]:
                raise SystemExit(f"{profile}: visit {n} failed: {summary}")
            timings: dict[str, float] = summary["timings"]
            return timings
        finally:
            services.close()


def visits(profile: str, count: int) -> list[dict[str, float]]:
    return [visit(profile, n) for n in range(1, count + 1)]


def cell(values: list[float]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    return f"{statistics.median(ordered) * 1000:.0f} / {ordered[-1] * 1000:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=10)
    args = parser.parse_args()
    results = {profile: visits(profile, args.visits) for profile in PROFILES}
    lines = ["# Whole visits per workflow", "",
             f"Command: `python bench/visits.py --visits {args.visits}`  ",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load average "
             f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (the CPUs are shared with other work).  ",
             "Each cell: median / max in ms over the visits after a warm-up visit; — where the workflow has no such "
             "step.", "",
             "| figure | " + " | ".join(PROFILES) + " |", "|---|" + "---|" * len(PROFILES)]
    for label, key in FIGURES:
        lines.append(f"| {label} | " + " | ".join(cell([t[key] for t in results[p] if key in t]) for p in PROFILES)
                     + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / "visits.md"
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

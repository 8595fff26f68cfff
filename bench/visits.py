"""Whole visits through the one submit road, per workflow: the simulated kiosk of each profile
(virtual camera, emulated chip, simulated clinic relay, PNG printer twin, embedded intake), visited the way the
headless demo does it (``cli.run.demo_visit``).

Figures, side by side for the three profiles:

- card → review: from the card appearing under the camera to the filled review (QR path);
- checks before consent: the clinic's BHYT card check, kiosk → relay → gateway and back (the check-in round trip);
- submit → ticket printed: queueing (sign, encrypt, commit), the queue number, the slip rendered and printed;
- submit → delivered: until the intake acknowledged the submission.

Each visit runs on a freshly started simulated kiosk (``kiosk run --simulate --json``: the first visit of the day,
the relay logs in, the ticket sequence starts); the timings are taken inside it.

Prints a Markdown table and writes it to ``bench/results/visits.md``.

    python bench/visits.py [--visits 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROFILES = ("clinic", "one-stop", "lodging")
FIGURES = (("card → review (QR)", "card_to_review_s"),
           ("checks before consent (card check)", "checks_before_consent_s"),
           ("submit → ticket printed", "submit_and_ticket_printed_s"),
           ("submit → delivered", "submit_to_delivered_s"))


def visit(profile: str) -> dict[str, float]:
    """One visit on a freshly started simulated kiosk (``kiosk run --simulate --json``; the timings are taken inside
    it, so its start is not measured)."""
    with tempfile.TemporaryDirectory(prefix="bench-visits-") as state:
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "KIOSK_STATE_DIR")}
        out = subprocess.run([sys.executable, "-m", "cli.main", "run", "--simulate", "--json", "--profile", profile,
                              "--state-dir", state], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise SystemExit(f"{profile}: the visit failed: {out.stderr[-1000:]}")
        timings: dict[str, float] = json.loads(out.stdout)["timings"]
        return timings


def visits(profile: str, count: int) -> list[dict[str, float]]:
    return [visit(profile) for _ in range(count)]


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
             "Each cell: median / max in ms over the visits, each on a freshly started kiosk; — where the workflow "
             "has no such step. One-stop \"submit\" includes rendering the CT01 PDF that the dossier carries.", "",
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

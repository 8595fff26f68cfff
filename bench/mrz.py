"""MRZ-by-camera benchmark: the pipeline beside each engine alone, in one process, on synthetic degraded frames.

Frames come from ``cli.mrz_samples.sample_frames``: passports (TD3), foreign ID cards (TD1), CCCD backs, visas
MRV-A and MRV-B, at 720p and 1080p, every degradation of ``drivers.sim.mrz_page`` in turn (glare, laminate
hologram and reflection, defocus, motion, tilt, low light, JPEG, clutter, combined, and the mild baseline).

Engines:

- **pipeline**: ``drivers.mrz_ocr.MrzZoneReader`` (zone finder + two OCR-B networks averaged) with the core's
  check-digit correction (``kiosk.mrz_camera.read_mrz``).
- **OCR-B networks alone**: the same zones, each cell's most probable character, ``parse_mrz`` as is.
- **tesseract eng, found zone**: the zone finder's straightened zone read by tesseract 5 (English model,
  MRZ characters whitelisted, one block), ``parse_mrz`` as is.
- **tesseract eng, whole frame**: the plainest baseline — tesseract on the grayscale frame, any two or three
  consecutive output lines of MRZ shape parsed by ``parse_mrz``.

tesseract runs in a subprocess per frame (as pytesseract would), on every ``--tesseract-every``-th frame only:
it takes seconds per frame. "All check digits valid" counts frames where an engine returned a zone that
``parse_mrz`` accepts; a false accept is such a zone that differs from the printed one in any character (names,
optional data and every other field no check digit covers included).

Kiosk mode: the camera flow accepts a reading only when two frames of the document agree
(``kiosk.mrz_camera.FrameAgreement``); the bench reads further frames of each document (``--kiosk-views``) and
reports that operating mode beside the per-frame figures.

Prints one Markdown report and writes it to ``bench/results/mrz.md``. Timings on a shared machine are noisy.

    python bench/mrz.py [--frames 500] [--tesseract-every 5] [--kiosk-views 4]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine, table  # noqa: E402
from cli.mrz_samples import sample_frame, sample_frames  # noqa: E402
from drivers.mrz_ocr import MrzZoneReader  # noqa: E402
from drivers.mrz_ocr.locate import candidates, find_bars, rectify  # noqa: E402
from drivers.mrz_ocr.reader import to_gray  # noqa: E402
from kiosk.errors import KioskError  # noqa: E402
from kiosk.mrz import normalise_lines, parse_mrz  # noqa: E402
from kiosk.mrz_camera import FrameAgreement, MrzReading, MrzUnreadableError, read_mrz  # noqa: E402

RESULT_FILE = ROOT / "bench" / "results" / "mrz.md"
WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
Engine = Callable[[np.ndarray], tuple[str, ...] | None]


@dataclass
class Tally:
    frames: int = 0
    valid: int = 0
    false: int = 0
    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, found: tuple[str, ...] | None, truth: tuple[str, ...], ms: float, size: str,
            cpu_ms: float | None = None) -> None:
        self.frames += 1
        self.ms[size].append(ms)
        if cpu_ms is not None:
            self.cpu_ms[size].append(cpu_ms)
        if found is not None:
            self.valid += 1
            self.false += found != truth

    def rate(self) -> str:
        return f"{100 * self.valid / self.frames:.1f}" if self.frames else "–"

    def median(self, size: str, cpu: bool = False) -> str:
        values = (self.cpu_ms if cpu else self.ms)[size]
        return f"{statistics.median(values):.1f}" if values else "–"


def _parsed(lines: list[str]) -> tuple[str, ...] | None:
    try:
        return parse_mrz(lines).lines
    except KioskError:
        return None


def tesseract_lines(gray: np.ndarray, psm: int) -> list[str]:
    ok, png = cv2.imencode(".png", gray)
    if not ok:
        return []
    proc = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "eng", "--psm", str(psm), "-c", f"tessedit_char_whitelist={WHITELIST}"],
        input=png.tobytes(), capture_output=True, timeout=60, check=False,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    return normalise_lines(proc.stdout.decode("utf-8", "replace"))


def mrz_in_text(lines: list[str]) -> tuple[str, ...] | None:
    """The first two or three consecutive lines of MRZ shape that ``parse_mrz`` accepts."""
    lines = [re.sub(r"[^A-Z0-9<]", "", line) for line in lines]
    for i in range(len(lines)):
        for rows, width in ((3, 30), (2, 44), (2, 36)):
            chunk = lines[i:i + rows]
            if len(chunk) == rows and all(len(line) == width for line in chunk):
                found = _parsed(chunk)
                if found:
                    return found
    return None


def read_or_none(reader: MrzZoneReader, image: np.ndarray) -> MrzReading | None:
    try:
        return read_mrz(reader, image)
    except MrzUnreadableError:
        return None


def kiosk_mode(reader: MrzZoneReader, index: int, first: MrzReading | None, first_ms: float, seed: int,
               views: int) -> tuple[tuple[str, ...] | None, float, int]:
    """The camera flow's rule (``FrameAgreement``: two of the last three readings agree) on up to ``views``
    frames of one document, the first being the per-frame run's: the accepted lines, the reading time spent
    (frame generation excluded) and the frames used."""
    agreement = FrameAgreement()
    spent = first_ms
    reading = first
    for view in range(1, views + 1):
        if reading is not None:
            accepted = agreement.offer(reading)
            if accepted is not None:
                return accepted.lines, spent, view
        if view == views:
            break
        image = sample_frame(index, seed=seed, view=view).image
        t0 = time.perf_counter()
        reading = read_or_none(reader, image)
        spent += (time.perf_counter() - t0) * 1000
    return None, spent, views


def engines(reader: MrzZoneReader) -> dict[str, Engine]:
    def pipeline(image: np.ndarray) -> tuple[str, ...] | None:
        reading = read_or_none(reader, image)
        return reading.lines if reading else None

    def network_alone(image: np.ndarray) -> tuple[str, ...] | None:
        for zone in reader.zones(image):
            lines = ["".join(zone.alphabet[int(k)] for k in np.argmax(line, axis=1)) for line in zone.probabilities]
            found = _parsed(lines)
            if found:
                return found
        return None

    def tesseract_zone(image: np.ndarray) -> tuple[str, ...] | None:
        gray = to_gray(image)
        for cand in candidates(find_bars(gray), limit=2):
            found = mrz_in_text(tesseract_lines(rectify(gray, cand), 6))
            if found:
                return found
        return None

    def tesseract_frame(image: np.ndarray) -> tuple[str, ...] | None:
        return mrz_in_text(tesseract_lines(to_gray(image), 3))

    return {"pipeline": pipeline, "OCR-B networks alone": network_alone,
            "tesseract eng, found zone": tesseract_zone, "tesseract eng, whole frame": tesseract_frame}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--tesseract-every", type=int, default=5, help="tesseract on every N-th frame (slow)")
    parser.add_argument("--output", type=Path, default=RESULT_FILE)
    parser.add_argument("--kiosk-views", type=int, default=4,
                        help="kiosk mode: frames of one document read at most until two readings agree (0: off)")
    args = parser.parse_args()
    started = time.perf_counter()
    load_before = os.getloadavg()
    reader = MrzZoneReader()
    runs = engines(reader)
    has_tesseract = shutil.which("tesseract") is not None
    tallies = {name: Tally() for name in runs}
    by_degradation: dict[str, Tally] = defaultdict(Tally)
    by_kind: dict[str, Tally] = defaultdict(Tally)
    kiosk = Tally()
    kiosk_by_degradation: dict[str, Tally] = defaultdict(Tally)
    kiosk_frames: list[int] = []
    frames = sample_frames(args.frames, seed=args.seed)
    generated = time.perf_counter() - started
    for i, frame in enumerate(frames):
        size = f"{frame.image.shape[0]}p"
        t0, c0 = time.perf_counter(), time.process_time()
        reading = read_or_none(reader, frame.image)
        ms, cpu_ms = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        found = reading.lines if reading else None
        for tally in (tallies["pipeline"], by_degradation[frame.degradation], by_kind[frame.kind]):
            tally.add(found, frame.lines, ms, size, cpu_ms)
        if args.kiosk_views > 0:
            accepted, spent, used = kiosk_mode(reader, i, reading, ms, args.seed, args.kiosk_views)
            kiosk.add(accepted, frame.lines, spent, size)
            kiosk_by_degradation[frame.degradation].add(accepted, frame.lines, spent, size)
            kiosk_frames.append(used)
        for name, engine in runs.items():
            if name == "pipeline" or (name.startswith("tesseract") and (not has_tesseract or i % args.tesseract_every)):
                continue
            t0, c0 = time.perf_counter(), time.process_time()
            found = engine(frame.image)
            tallies[name].add(found, frame.lines, (time.perf_counter() - t0) * 1000, size,
                              None if name.startswith("tesseract") else (time.process_time() - c0) * 1000)

    lines = [
        f"# MRZ by camera: {args.frames} synthetic frames (seed {args.seed})",
        "",
        f"Command: `{' '.join(['python', 'bench/mrz.py', *sys.argv[1:]])}`",
        "",
        f"Machine: {machine()}; load average before the run "
        f"{', '.join(f'{x:.1f}' for x in load_before)}. Frames generated in {generated:.0f} s (not timed below).",
        "Times are per frame, from the BGR frame to the checked zone, in this one process: wall clock, and the "
        "process's CPU time, all its threads (what the frame costs when the CPUs are not shared; tesseract runs in "
        "a subprocess, so it has no CPU column).",
        "",
        table(["engine", "frames", "all check digits valid %", "false accepts", "median ms 720p", "median ms 1080p",
               "median CPU ms 720p", "median CPU ms 1080p"],
              [[f"**{n}**" if n == "pipeline" else n, t.frames, t.rate(), t.false, t.median("720p"),
                t.median("1080p"), t.median("720p", cpu=True), t.median("1080p", cpu=True)]
               for n, t in tallies.items()]),
        "",
        "Pipeline by degradation:",
        "",
        table(["degradation", "frames", "valid %", "false accepts", "median ms 720p", "median ms 1080p",
               "median CPU ms 1080p"],
              [[k, t.frames, t.rate(), t.false, t.median("720p"), t.median("1080p"), t.median("1080p", cpu=True)]
               for k, t in by_degradation.items()]),
        "",
        f"Kiosk mode (the camera flow's rule, `kiosk.mrz_camera.FrameAgreement`): frames of the same document "
        f"(same degradation, each frame its own pose, light and noise) are read until two readings agree, at "
        f"most {args.kiosk_views}; a document counts as read when two agreed, and a false accept when the agreed "
        f"lines differ from the printed ones. Time is the reading time of all frames used"
        + (f" (mean {statistics.mean(kiosk_frames):.2f} frames)." if kiosk_frames else "."),
        "",
        table(["degradation", "documents", "read %", "false accepts", "median ms 720p", "median ms 1080p"],
              [[k, t.frames, t.rate(), t.false, t.median("720p"), t.median("1080p")]
               for k, t in [*kiosk_by_degradation.items(), ("**all**", kiosk)]]),
        "",
        "Pipeline by document:",
        "",
        table(["document", "frames", "valid %", "false accepts"],
              [[k, t.frames, t.rate(), t.false] for k, t in by_kind.items()]),
        "",
        f"- tesseract ran on every {args.tesseract_every}th frame"
        + ("" if has_tesseract else " — not installed here, so its rows are empty") + ".",
        "- Not measured: fastmrz (its reader needs tesseract's `mrz` model, which no Debian or PyPI package ships; "
        "a model fetched at run time is not allowed) and PassportEye (tesseract `eng` like the rows above, plus "
        "scikit-image, scikit-learn, SciPy and matplotlib for its zone finder).",
        f"- Run time {time.perf_counter() - started:.0f} s; load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

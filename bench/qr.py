"""QR decoding benchmark: the pipeline against each decoder alone, in one process, on two data sets.

1. ZXing black-box QR images (``../shared/datasets/qr-zxing-blackbox`` from the repository root, or
   ``--blackbox DIR`` / ``QR_BLACKBOX_DIR``): exact-text rate. Raw bytes become text the way an unlabelled QR
   byte segment is read (UTF-8 if valid, else Shift_JIS, else ISO-8859-1), the same for every decoder.
2. Synthetic degraded CCCD card frames at 720p and 1080p (``drivers.sim.card_image``, every degradation in
   turn): byte-exact rate, wrong payloads and mojibake (a wrong payload that is not strict UTF-8 Vietnamese
   text), median and p95 milliseconds per frame including the grayscale conversion.

Prints one Markdown table and writes it to ``bench/results/qr.md``. Timings on a shared machine are noisy:
compare the columns of one run, not runs with each other.

    python bench/qr.py [--frames 504] [--blackbox DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli.qr_samples import sample_frames  # noqa: E402
from drivers.qr.decoders import make_decoder  # noqa: E402
from drivers.qr.pipeline import QrPipeline, to_gray  # noqa: E402
from kiosk.text import looks_vietnamese  # noqa: E402

SINGLE = ("zxing-cpp", "pyzbar-default", "zbar-binary", "opencv-classic", "opencv-aruco")
LABELS = {
    "pipeline": "**pipeline**",
    "zxing-cpp": "zxing-cpp alone",
    "pyzbar-default": "pyzbar default",
    "zbar-binary": "pyzbar/zbar binary (ctypes)",
    "opencv-classic": "OpenCV QRCodeDetector",
    "opencv-aruco": "OpenCV QRCodeDetectorAruco",
}
RESULT_FILE = ROOT / "bench" / "results" / "qr.md"

Decode = Callable[[np.ndarray], list[bytes]]


@dataclass
class Tally:
    total: int = 0
    exact: int = 0
    wrong: int = 0
    mojibake: int = 0
    ms: list[float] = field(default_factory=list)

    def add(self, found: list[bytes], expected: bytes, ms: float, *, text: bool) -> bool:
        self.total += 1
        self.ms.append(ms)
        if any(matches(p, expected, text=text) for p in found):
            self.exact += 1
            return True
        if found:
            self.wrong += 1
            self.mojibake += not _is_vietnamese_text(found[0])
        return False

    def rate(self) -> str:
        return f"{100 * self.exact / self.total:.1f}" if self.total else "–"

    def median(self) -> float:
        return statistics.median(self.ms) if self.ms else float("nan")

    def p95(self) -> float:
        return float(np.percentile(self.ms, 95)) if self.ms else float("nan")


def _is_vietnamese_text(data: bytes) -> bool:
    try:
        return looks_vietnamese(data.decode("utf-8"))
    except UnicodeDecodeError:
        return False


def matches(payload: bytes, expected: bytes, *, text: bool) -> bool:
    """Byte-exact, or (``text``) the same text once both are read as text."""
    return as_text(payload) == expected.decode("utf-8") if text else payload == expected


def as_text(data: bytes) -> str:
    for charset in ("utf-8", "shift_jis"):
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            pass
    return data.decode("iso-8859-1")


def decoders(stages: Counter[str]) -> dict[str, Decode]:
    """Every decoder under test; ``stages`` counts which pipeline stage decoded each image."""
    pipeline = QrPipeline()

    def run_pipeline(gray: np.ndarray) -> list[bytes]:
        result = pipeline.decode(gray)
        if result is None:
            return []
        stages[result.decoder] += 1
        return [result.payload]

    out: dict[str, Decode] = {"pipeline": run_pipeline}
    for name in SINGLE:
        out[name] = make_decoder(name).decode
    return out


def timed(decode: Decode, image: np.ndarray) -> tuple[list[bytes], float]:
    start = time.perf_counter()
    found = decode(to_gray(image))
    return found, (time.perf_counter() - start) * 1000


def blackbox_items(directory: Path) -> Iterator[tuple[np.ndarray, bytes]]:
    for png in sorted(directory.glob("qrcode-*/*.png")):
        image = cv2.imread(str(png), cv2.IMREAD_COLOR)
        if image is not None:
            yield image, png.with_suffix(".txt").read_bytes()


def run_set(items: Iterable[tuple[np.ndarray, bytes]], decs: dict[str, Decode], *, text: bool,
            missed: list[tuple[np.ndarray, bytes]] | None = None) -> dict[str, Tally]:
    tallies = {name: Tally() for name in decs}
    for image, expected in items:
        for name, decode in decs.items():
            found, ms = timed(decode, image)
            ok = tallies[name].add(found, expected, ms, text=text)
            if name == "pipeline" and not ok and missed is not None:
                missed.append((image, expected))
    return tallies


def wechat_decode(wechat: cv2.wechat_qrcode.WeChatQRCode, gray: np.ndarray) -> list[bytes]:
    try:
        texts, _points = wechat.detectAndDecode(gray)
    except UnicodeDecodeError:  # OpenCV returns text and fails on payloads that are not UTF-8
        return []
    return [t.encode("utf-8") for t in texts]


def fallbacks_on(label: str, missed: list[tuple[np.ndarray, bytes]], *, text: bool) -> str:
    """What each other decoder reads among the images the pipeline missed, and at what cost."""
    if not missed:
        return f"{label}: the pipeline missed no image; fallbacks not measured."
    wechat = cv2.wechat_qrcode_WeChatQRCode()
    candidates: dict[str, Decode] = {name: make_decoder(name).decode
                                     for name in ("zbar-binary", "opencv-aruco", "opencv-classic")}
    candidates["wechat-no-models"] = lambda gray: wechat_decode(wechat, gray)
    parts = []
    for name, decode in candidates.items():
        tally = Tally()
        for image, expected in missed:
            found, ms = timed(decode, image)
            tally.add(found, expected, ms, text=text)
        parts.append(f"{name} {tally.exact} ({tally.median():.0f} ms)")
    return f"{label}: of the {len(missed)} images the pipeline missed, read by " + ", ".join(parts) + "."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=504, help="synthetic frames per resolution (default 504)")
    parser.add_argument("--blackbox", type=Path,
                        default=Path(os.environ.get("QR_BLACKBOX_DIR", ROOT.parent / "shared" / "datasets"
                                                    / "qr-zxing-blackbox")))
    parser.add_argument("--output", type=Path, default=RESULT_FILE)
    args = parser.parse_args(argv)

    stages: Counter[str] = Counter()
    decs = decoders(stages)
    columns: dict[str, dict[str, Tally]] = {}
    notes: list[str] = []
    started = time.perf_counter()
    if args.blackbox.is_dir():
        blackbox_missed: list[tuple[np.ndarray, bytes]] = []
        columns["blackbox"] = run_set(blackbox_items(args.blackbox), decs, text=True, missed=blackbox_missed)
        notes.append(fallbacks_on("Black-box set", blackbox_missed, text=True))
        stages.clear()
    else:
        notes.append(f"ZXing black-box set not found at {args.blackbox}: that column is skipped.")
    missed: list[tuple[np.ndarray, bytes]] = []
    for label, size in (("720p", (1280, 720)), ("1080p", (1920, 1080))):
        frames = ((f.image, f.payload) for f in sample_frames(args.frames, size=size, seed=size[1]))
        columns[label] = run_set(frames, decs, text=False, missed=missed)
    notes.append("Synthetic frames decoded by pipeline stage: "
                 + ", ".join(f"{stage} {count}" for stage, count in stages.most_common()) + ".")
    notes.append(fallbacks_on("Synthetic frames", missed, text=False))

    lines = [
        f"# QR decoding benchmark ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"`python bench/qr.py --frames {args.frames}`; {os.cpu_count()} CPUs, shared; load average "
        f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}, OpenCV {cv2.__version__}. "
        "Times include the grayscale conversion; the machine is shared, so timings are noisy.",
        "",
    ]
    header = "| decoder |"
    rule = "|---|"
    if "blackbox" in columns:
        n = columns["blackbox"]["pipeline"].total
        header += f" black-box exact % ({n}) | black-box median ms |"
        rule += "---|---|"
    for label in ("720p", "1080p"):
        n = columns[label]["pipeline"].total
        header += f" {label} byte-exact % ({n}) | wrong / mojibake | median ms | p95 ms |"
        rule += "---|---|---|---|"
    lines += [header, rule]
    for name in decs:
        row = f"| {LABELS[name]} |"
        if "blackbox" in columns:
            t = columns["blackbox"][name]
            row += f" {t.rate()} | {t.median():.1f} |"
        for label in ("720p", "1080p"):
            t = columns[label][name]
            row += f" {t.rate()} | {t.wrong} / {t.mojibake} | {t.median():.1f} | {t.p95():.1f} |"
        lines.append(row)
    lines.append("")
    for label in ("720p", "1080p"):
        ratio = columns[label]["pipeline"].median() / columns[label]["zxing-cpp"].median()
        best = max(SINGLE, key=lambda name: columns[label][name].exact)
        notes.append(f"{label}: pipeline median = {ratio:.2f} × zxing-cpp alone; best single decoder "
                     f"{LABELS[best]} {columns[label][best].rate()} %.")
    notes.append(f"Run time {time.perf_counter() - started:.0f} s.")
    lines += [f"- {note}" for note in notes]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

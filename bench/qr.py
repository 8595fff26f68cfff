"""QR decoding benchmark: the pipeline against each decoder alone, in one process.

1. ZXing black-box QR images (``../shared/datasets/qr-zxing-blackbox`` from the repository root, or
   ``--blackbox DIR`` / ``QR_BLACKBOX_DIR``): exact-text rate. Raw bytes become text the way an unlabelled QR
   byte segment is read (UTF-8 if valid, else Shift_JIS, else ISO-8859-1), the same for every decoder; bytes
   equal to the expected text in the charset an ECI names (GB 2312 in one image) also count as exact.
2. The QR dev set (``drivers.sim.realistic_frames``: glare, defocus, damage, phone screens…, every category in
   turn) and its held-out split (other citizens and seeds; the pipeline was not tuned on it): byte-exact rate
   per category and overall, wrong payloads, median and p95 milliseconds per frame including the grayscale
   conversion. The pipeline accepts only payloads that parse as a CCCD QR; single decoders return whatever
   they read (on the "lots" category, another code in view counts as a wrong text for them).
3. Ablation on the dev split: the candidate stages measured for the pipeline, each added to its first pass.

Times are the decoding thread's CPU time, with OpenCV held to that one thread so that all of a decoder's work
is counted: on the shared two-core machine wall-clock medians of sub-millisecond decodes moved by up to 4× from
one run to the next, CPU-time medians far less. The decoders take turns in a rotating order, image after image.
Prints Markdown tables and writes them to ``bench/results/qr.md``. Compare the columns of one run, not runs
with each other.

    python bench/qr.py [--per-category 20] [--blackbox DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli.qr_samples import realistic_sample_frames  # noqa: E402
from drivers.qr.decoders import ZxingDecoder, make_decoder  # noqa: E402
from drivers.qr.pipeline import (  # noqa: E402
    CROP_TARGET,
    Attempt,
    QrPipeline,
    Stage,
    candidate_crops,
    followed_grids,
    inverted_frame,
    localised_crops,
    resampled_grids,
    thickened_crops,
    to_gray,
    unsharp,
)
from drivers.sim.realistic_frames import DEV_CATEGORIES  # noqa: E402
from kiosk.qr_payload import is_card_payload  # noqa: E402
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


CHARSETS = ("utf-8", "shift_jis", "gb18030", "iso-8859-1")


def matches(payload: bytes, expected: bytes, *, text: bool) -> bool:
    """Byte-exact, or (``text``) the same text once read as text, or the expected text in one of ``CHARSETS``
    (a code with an ECI designator, e.g. GB 2312, stores its text in that charset; the decoders return bytes)."""
    if not text:
        return payload == expected
    wanted = expected.decode("utf-8")
    if as_text(payload) == wanted:
        return True
    for charset in CHARSETS:
        try:
            if payload == wanted.encode(charset):
                return True
        except UnicodeEncodeError:
            continue
    return False


def as_text(data: bytes) -> str:
    for charset in ("utf-8", "shift_jis"):
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            pass
    return data.decode("iso-8859-1")


def pipeline_decode(pipeline: QrPipeline, stages: Counter[str]) -> Decode:
    def run(gray: np.ndarray) -> list[bytes]:
        result = pipeline.decode(gray)
        if result is None:
            return []
        stages[result.decoder] += 1
        return [result.payload]

    return run


def decoders(stages: Counter[str], *, cccd: bool) -> dict[str, Decode]:
    """Every decoder under test; ``stages`` counts which pipeline stage decoded each image."""
    pipeline = QrPipeline(accept=is_card_payload if cccd else None)
    out: dict[str, Decode] = {"pipeline": pipeline_decode(pipeline, stages)}
    for name in SINGLE:
        out[name] = make_decoder(name).decode
    return out


def timed(decode: Decode, image: np.ndarray) -> tuple[list[bytes], float]:
    """What ``decode`` found in ``image`` and the CPU milliseconds it took, grayscale conversion included."""
    start = time.thread_time()
    found = decode(to_gray(image))
    return found, (time.thread_time() - start) * 1000


def blackbox_items(directory: Path) -> Iterator[tuple[np.ndarray, bytes, str]]:
    for png in sorted(directory.glob("qrcode-*/*.png")):
        image = cv2.imread(str(png), cv2.IMREAD_COLOR)
        if image is not None:
            yield image, png.with_suffix(".txt").read_bytes(), png.parent.name


def run_set(items: Iterable[tuple[np.ndarray, bytes, str]], decs: dict[str, Decode], *, text: bool,
            missed: list[tuple[np.ndarray, bytes]] | None = None) -> dict[str, dict[str, Tally]]:
    """Tallies by decoder, then by category (``"all"`` for the whole set).

    The decoders take turns in a rotating order, image after image: the first to run on an image pays for
    caches the previous image's last decoder left cold and for OpenCV worker threads still spinning after its
    detectors (measured: in a fixed order, whichever decoder ran first after OpenCV's took 1.5–2× its time)."""
    tallies: dict[str, dict[str, Tally]] = {name: defaultdict(Tally) for name in decs}
    names = list(decs)
    for index, (image, expected, category) in enumerate(items):
        turn = index % len(names)
        for name in names[turn:] + names[:turn]:
            found, ms = timed(decs[name], image)
            tallies[name]["all"].add(found, expected, ms, text=text)
            ok = tallies[name][category].add(found, expected, ms, text=text)
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
    """What each other decoder reads among the images the pipeline missed, and at what cost (bench only:
    WeChat needs opencv-contrib, which the kiosk does not run)."""
    if not missed:
        return f"{label}: the pipeline missed no image; fallbacks not measured."
    candidates: dict[str, Decode] = {name: make_decoder(name).decode
                                     for name in ("zbar-binary", "opencv-aruco", "opencv-classic")}
    if hasattr(cv2, "wechat_qrcode_WeChatQRCode"):
        wechat = cv2.wechat_qrcode_WeChatQRCode()
        candidates["wechat-no-models"] = lambda gray: wechat_decode(wechat, gray)
    parts = []
    for name, decode in candidates.items():
        tally = Tally()
        for image, expected in missed:
            found, ms = timed(decode, image)
            tally.add(found, expected, ms, text=text)
        parts.append(f"{name} {tally.exact} ({tally.median():.0f} ms)")
    return f"{label}: of the {len(missed)} images the pipeline missed, read by " + ", ".join(parts) + "."


# --- ablation: each candidate technique added to zxing-cpp alone -------------------------------------------

def _zxing_with(*, binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage, fast: bool = False) -> Decode:
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return lambda gray: [bytes(b.bytes) for b in zxingcpp.read_barcodes(
        gray, formats=formats, binarizer=binarizer, try_downscale=not fast, try_invert=not fast)]


def _clahe_crops(attempt: Attempt) -> Iterator[np.ndarray]:
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))
    for crop in candidate_crops(attempt):
        yield clahe.apply(crop)


def _enlarged_then_sharpened(attempt: Attempt) -> Iterator[np.ndarray]:
    """The candidate crops as first measured: enlarged, then unsharp-masked at the enlarged scale."""
    for quad in attempt.candidates[:2]:
        (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
        margin = 0.2 * max(x1 - x0, y1 - y0) + 8
        h, w = attempt.gray.shape
        crop = attempt.gray[max(0, int(y0 - margin)):min(h, int(y1 + margin)),
                            max(0, int(x0 - margin)):min(w, int(x1 + margin))]
        if min(crop.shape) < 16:
            continue
        factor = min(3.0, CROP_TARGET / max(crop.shape))
        if factor > 1.05:
            crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        yield unsharp(crop, 3.0, 1.5)


def _glare_suppressed(attempt: Attempt) -> Iterator[np.ndarray]:
    """Saturated pixels replaced by the local median of the rest (inpainting), then CLAHE."""
    gray = attempt.gray
    mask = (gray >= 245).astype(np.uint8)
    if mask.any():
        yield cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(cv2.inpaint(gray, mask, 3, cv2.INPAINT_TELEA))


def _full_upscale(attempt: Attempt) -> Iterator[np.ndarray]:
    yield unsharp(cv2.resize(attempt.gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 2.0, 2.0)


def ablation_decoders() -> dict[str, Decode]:
    """Each technique added to the pipeline's first pass (zxing-cpp, QR Model 2, no inverted or downscaled
    passes), without a time budget; then the pipeline without and with its budget."""
    first = Stage("zxing-cpp", ZxingDecoder(fast=True, model2=True))
    fast, pure = ZxingDecoder(fast=True, model2=True), ZxingDecoder(pure=True)
    variants: dict[str, list[Stage]] = {
        "first pass (zxing-cpp, QR Model 2 only, no inverted/downscaled passes)": [first],
        "+ candidate crops (sharpened, then enlarged)": [first, Stage("c", fast, candidate_crops)],
        "+ candidate crops, enlarged then sharpened": [first, Stage("c", fast, _enlarged_then_sharpened)],
        "+ candidate crops, CLAHE": [first, Stage("c", fast, _clahe_crops)],
        "+ resampled grid: corners' homography, halfway threshold": [
            first, Stage("g", pure, lambda a: resampled_grids(a, locate=False, equalise=False))],
        "+ resampled grid: located patterns, halfway threshold": [
            first, Stage("g", pure, lambda a: resampled_grids(a, equalise=False))],
        "+ resampled grid: located patterns, equalised": [first, Stage("g", pure, resampled_grids)],
        "+ resampled grid, then a grid following the symbol's warps": [
            first, Stage("g", pure, resampled_grids), Stage("f", pure, followed_grids)],
        "+ localised crops": [first, Stage("l", fast, localised_crops)],
        "+ inverted frame": [first, Stage("i", fast, inverted_frame)],
        "+ thickened crops": [first, Stage("t", fast, thickened_crops)],
        "+ glare inpainting + CLAHE": [first, Stage("g", fast, _glare_suppressed)],
        "+ full frame 2× sharpened": [first, Stage("u", fast, _full_upscale)],
        "+ zbar binary (when a symbol was seen)": [first, Stage("z", make_decoder("zbar-binary"), gated=True)],
    }
    out: dict[str, Decode] = {
        "zxing-cpp alone": _zxing_with(),
        "zxing-cpp, GlobalHistogram binarizer": _zxing_with(binarizer=zxingcpp.Binarizer.GlobalHistogram),
        "zxing-cpp, try_downscale/try_invert off": _zxing_with(fast=True),
    }
    unused: Counter[str] = Counter()
    for label, stages in variants.items():
        out[label] = pipeline_decode(QrPipeline(stages, accept=is_card_payload, budget_ms=1e9,
                                                relative_budget=float("inf")), unused)
    out["pipeline without budget"] = pipeline_decode(
        QrPipeline(accept=is_card_payload, budget_ms=1e9, relative_budget=float("inf")), unused)
    out["pipeline"] = pipeline_decode(QrPipeline(accept=is_card_payload), unused)
    return out


def frames_of(split: str, per_category: int) -> Iterator[tuple[np.ndarray, bytes, str]]:
    for frame in realistic_sample_frames(per_category, split=split, categories=DEV_CATEGORIES):
        yield frame.image, frame.payload, frame.degradation


def summary_rows(columns: dict[str, dict[str, dict[str, Tally]]], names: Iterable[str]) -> list[str]:
    header, rule = "| decoder |", "|---|"
    for label, tallies in columns.items():
        n = tallies["pipeline"]["all"].total
        header += f" {label} % ({n}) | wrong | median ms | p95 ms |"
        rule += "---|---|---|---|"
    lines = [header, rule]
    for name in names:
        row = f"| {LABELS.get(name, name)} |"
        for tallies in columns.values():
            t = tallies[name]["all"]
            row += f" {t.rate()} | {t.wrong} | {t.median():.1f} | {t.p95():.1f} |"
        lines.append(row)
    return lines


def category_rows(columns: dict[str, dict[str, dict[str, Tally]]], categories: Iterable[str]) -> list[str]:
    labels = [label for label in columns if label != "black-box"]
    header, rule = "| category |", "|---|"
    for label in labels:
        header += f" {label}: zxing-cpp alone % | {label}: pipeline % | ratio |"
        rule += "---|---|---|"
    lines = [header, rule]
    for category in [*categories, "all"]:
        row = f"| {category} |"
        for label in labels:
            z, p = columns[label]["zxing-cpp"][category], columns[label]["pipeline"][category]
            ratio = f"{p.exact / z.exact:.2f}" if z.exact else "–"
            row += f" {z.rate()} | {p.rate()} | {ratio} |"
        lines.append(row)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-category", type=int, default=20, help="dev/held-out frames per category (default 20)")
    parser.add_argument("--blackbox", type=Path,
                        default=Path(os.environ.get("QR_BLACKBOX_DIR", ROOT.parent / "shared" / "datasets"
                                                    / "qr-zxing-blackbox")))
    parser.add_argument("--no-ablation", action="store_true", help="skip the ablation table")
    parser.add_argument("--output", type=Path, default=RESULT_FILE)
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)  # every decoder's work on the timed thread (see the module docstring)

    columns: dict[str, dict[str, dict[str, Tally]]] = {}
    notes: list[str] = []
    started = time.perf_counter()
    if args.blackbox.is_dir():
        stages: Counter[str] = Counter()
        blackbox_missed: list[tuple[np.ndarray, bytes]] = []
        columns["black-box"] = run_set(blackbox_items(args.blackbox), decoders(stages, cccd=False), text=True,
                                       missed=blackbox_missed)
        notes.append("Black-box images decoded by pipeline stage: "
                     + ", ".join(f"{stage} {count}" for stage, count in stages.most_common()) + ".")
        notes.append(fallbacks_on("Black-box set", blackbox_missed, text=True))
    else:
        notes.append(f"ZXing black-box set not found at {args.blackbox}: that column is skipped.")
    for split in ("dev", "held-out"):
        stages = Counter()
        missed: list[tuple[np.ndarray, bytes]] = []
        columns[split] = run_set(frames_of(split, args.per_category), decoders(stages, cccd=True), text=False,
                                 missed=missed)
        notes.append(f"{split}: decoded by pipeline stage: "
                     + ", ".join(f"{stage} {count}" for stage, count in stages.most_common()) + ".")
        if split == "dev":
            notes.append(fallbacks_on("Dev split", missed, text=False))
    for label, tallies in columns.items():
        z, p = tallies["zxing-cpp"]["all"], tallies["pipeline"]["all"]
        notes.append(f"{label}: pipeline reads {p.exact / max(z.exact, 1):.2f} × zxing-cpp alone's rate "
                     f"({p.rate()} % vs {z.rate()} %), {p.wrong} wrong; median "
                     f"{p.median() / z.median():.2f} × zxing-cpp alone's.")
    phone = [columns[s]["pipeline"][c] for s in ("dev", "held-out") for c in DEV_CATEGORIES if c.startswith("phone")]
    notes.append(f"Phone-screen frames (dev + held-out): pipeline {sum(t.exact for t in phone)} / "
                 f"{sum(t.total for t in phone)}.")

    lines = [
        f"# QR decoding benchmark ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"`python bench/qr.py --per-category {args.per_category}`; {os.cpu_count()} CPUs, shared; load average "
        f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}, OpenCV {cv2.__version__}. "
        "Times are CPU milliseconds of the decoding thread (OpenCV on that one thread), grayscale conversion "
        "included; decoders take turns in a rotating order.",
        "",
        "## All decoders",
        "",
        *summary_rows(columns, ["pipeline", *SINGLE]),
        "",
        "## Per category (dev set and held-out split, 1280×720)",
        "",
        *category_rows(columns, DEV_CATEGORIES),
        "",
    ]
    if not args.no_ablation:
        ablation = run_set(frames_of("dev", args.per_category), ablation_decoders(), text=False)
        lines += ["## Ablation on the dev split (each technique added to the pipeline's first pass; no time budget)",
                  "", "| variant | read % | wrong | median ms | p95 ms |", "|---|---|---|---|---|"]
        for name, by_category in ablation.items():
            t = by_category["all"]
            lines.append(f"| {name} | {t.rate()} | {t.wrong} | {t.median():.1f} | {t.p95():.1f} |")
        lines.append("")
    notes.append(f"Run time {time.perf_counter() - started:.0f} s.")
    lines += [f"- {note}" for note in notes]
    publish(lines, args.output)
    return 0


def publish(lines: list[str], output: Path) -> None:
    """Print the report and write it to ``output``."""
    text = "\n".join(lines) + "\n"
    print(text, end="")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

"""Address conversion benchmark: every old commune of the engines' own old-unit lists, through each engine.

In one process:

1. Start-up: each engine's data loaded in a background thread (as the kiosk does) while the main thread runs a
   10 ms timer, as a UI would: wall and CPU seconds per engine, memory added, and how late the timer fired; then
   the converter's index read back from its cache (later starts).
2. Every old commune of ``vietnam-address-converter`` (``oldWards``) and of ``vietnamadminunits`` (its legacy
   parser tables), written "commune, district, province" and de-duplicated, converted by each engine:
   matched (one current commune), ambiguous (several, or only the district recognised), failed; agreement
   between the two package engines; the service's agreement classes; the same-name baseline
   (``vietnam-provinces`` only) checked against the answers both engines agree on. Per former province and
   overall, with conversions/s and median/p99 ms per address.

Prints the tables and writes them to ``bench/results/address.md``. The machine's CPUs are shared: compare the
columns of one run, not runs with each other.

    python bench/address.py [--limit-per-province N] [--out bench/results/address.md]
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, median, percentile, table
from kiosk.address.engines import AdminUnitsEngine, ConverterEngine, Engine, EngineAnswer, SameNameEngine
from kiosk.address.service import AddressService, combine
from kiosk.address.units import key

RESULTS = Path(__file__).resolve().parent / "results" / "address.md"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Startup:
    wall: float = 0.0
    cpu: float = 0.0
    memory_mb: float = 0.0


def load_in_background(engines: list[Engine]) -> tuple[dict[str, Startup], list[float]]:
    """Load the engines one after the other in a thread; the main thread's 10 ms timer lateness meanwhile."""
    startups: dict[str, Startup] = {}

    def work() -> None:
        for engine in engines:
            before, wall, cpu = rss_mb(), time.perf_counter(), time.thread_time()
            engine.load()
            startups[engine.name] = Startup(time.perf_counter() - wall, time.thread_time() - cpu, rss_mb() - before)

    thread = threading.Thread(target=work, name="address-data")
    lateness: list[float] = []
    thread.start()
    while thread.is_alive():
        due = time.perf_counter() + 0.010
        time.sleep(0.010)
        lateness.append(max(0.0, time.perf_counter() - due) * 1000)
    thread.join()
    return startups, lateness


def old_communes(limit: int | None) -> list[tuple[str, str]]:
    """(former province, "commune, district, province") for every old commune of both packages' lists."""
    seen: dict[str, tuple[str, str]] = {}
    data = importlib.import_module("vietnam_address_converter.data").DEFAULT_DATA
    for ward in data["oldWards"].values():
        text = ward["path_with_type"]
        seen.setdefault(key(text), (text.rsplit(",", 1)[-1].strip(), text))
    legacy = importlib.import_module("vietnamadminunits.parser.parser_legacy")
    for pkey, districts in legacy.DICT_PROVINCE_DISTRICT_WARD_ACCENTED.items():
        province = legacy.DICT_PROVINCE[pkey]["province"]
        for dkey, wards in districts.items():
            district = legacy.DICT_PROVINCE_DISTRICT[pkey][dkey]["district"]
            for ward in {w["wardCode"]: w for w in wards.values()}.values():
                text = f"{ward['ward']}, {district}, {province}"
                seen.setdefault(key(text), (province, text))
    by_province: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for province, text in seen.values():
        by_province[key(province).removeprefix("tinh ").removeprefix("thanh pho ")].append((province, text))
    out: list[tuple[str, str]] = []
    for group in by_province.values():
        out.extend(group[:limit] if limit else group)
    return out


@dataclass
class Tally:
    count: int = 0
    status: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    pair: Counter[str] = field(default_factory=Counter)
    service: Counter[str] = field(default_factory=Counter)
    baseline_right: int = 0
    baseline_checked: int = 0


def pair_class(a: EngineAnswer, b: EngineAnswer) -> str:
    if a.status == "matched" and b.status == "matched":
        return "same" if a.places[0].commune.code == b.places[0].commune.code else "different"
    if a.status == "failed" and b.status == "failed":
        return "both failed"
    if a.status == "failed" or b.status == "failed":
        return "one failed"
    return "ambiguous"


def timed(engine: Engine, text: str, times: list[float]) -> EngineAnswer:
    started = time.perf_counter()
    answer = engine.convert(text)
    times.append((time.perf_counter() - started) * 1000)
    return answer


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def run(limit: int | None, progress: Callable[[str], None]) -> str:
    cache = Path(tempfile.mkdtemp(prefix="address-bench-"))
    vac, vau, same = ConverterEngine(cache), AdminUnitsEngine(), SameNameEngine()
    startups, lateness = load_in_background([vac, vau, same])  # cold: the converter builds its index
    wall, cpu = time.perf_counter(), time.process_time()
    assert vac.read_cache() is not None
    warm = Startup(time.perf_counter() - wall, time.process_time() - cpu)
    shutil.rmtree(cache)
    addresses = old_communes(limit)
    progress(f"{len(addresses)} old communes")
    times: dict[str, list[float]] = defaultdict(list)
    combined_ms: list[float] = []
    per_province: dict[str, Tally] = defaultdict(Tally)
    overall = Tally()
    started = time.perf_counter()
    for n, (province, text) in enumerate(addresses, 1):
        a, b, c = timed(vac, text, times[vac.name]), timed(vau, text, times[vau.name]), timed(same, text,
                                                                                              times[same.name])
        t0 = time.perf_counter()
        agreement = combine(a, b)[0]
        combined_ms.append(times[vac.name][-1] + times[vau.name][-1] + (time.perf_counter() - t0) * 1000)
        for tally in (per_province[province], overall):
            tally.count += 1
            for answer in (a, b, c):
                tally.status[answer.engine][answer.status] += 1
            tally.pair[pair_class(a, b)] += 1
            tally.service[agreement] += 1
            if agreement == "agree":
                tally.baseline_checked += 1
                tally.baseline_right += c.status == "matched" and c.places[0].commune.code == a.places[0].commune.code
        if n % 1000 == 0:
            progress(f"{n}/{len(addresses)} in {time.perf_counter() - started:.0f} s")

    engines: list[Engine] = [vac, vau, same]
    lines = [
        "# Address conversion: engines compared",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()}.",
        f"Command: `python bench/address.py{f' --limit-per-province {limit}' if limit else ''}` · "
        f"{overall.count} old communes (both packages' old-unit lists, de-duplicated).",
        f"Data: {AddressService((vac, vau)).data_version}.",
        "",
        "## Each engine",
        "",
        table(
            ["engine", "matched (one commune)", "ambiguous", "failed", "conversions/s", "median ms", "p99 ms",
             "start-up wall s", "start-up CPU s", "memory MB"],
            [[e.name, pct(overall.status[e.name]["matched"], overall.count),
              pct(overall.status[e.name]["ambiguous"], overall.count),
              pct(overall.status[e.name]["failed"], overall.count),
              f"{1000 / median(times[e.name]):.0f}" if median(times[e.name]) else "–",
              f"{median(times[e.name]):.2f}", f"{percentile(times[e.name], 99):.2f}",
              f"{startups[e.name].wall:.1f}", f"{startups[e.name].cpu:.1f}", f"{startups[e.name].memory_mb:.0f}"]
             for e in engines],
        ),
        "",
        f"The converter's start-up above is the first one, building its index; the kiosk keeps that index in its "
        f"state directory, and reading it back takes {warm.wall:.2f} s wall, {warm.cpu:.2f} s CPU on later starts.",
        "",
        f"Same-name baseline right on {pct(overall.baseline_right, overall.baseline_checked)} of the "
        f"{overall.baseline_checked} communes both engines agree on.",
        "",
        f"Service (both engines, combined): median {median(combined_ms):.1f} ms, "
        f"p99 {percentile(combined_ms, 99):.1f} ms per address. While the data loaded in a background thread, a "
        f"10 ms timer in the main thread fired late by median {median(lateness):.1f} ms, p99 "
        f"{percentile(lateness, 99):.1f} ms, max {max(lateness):.1f} ms ({len(lateness)} ticks).",
        "",
        "## The two package engines against each other, and the service's classes",
        "",
        "same / different: both give one commune; ambiguous: at least one gives several or only the district;",
        "one failed / both failed: no current commune. Service classes as in `kiosk/address/service.py`.",
        "",
    ]
    headers = ["former province", "communes", "same", "different", "ambiguous", "one failed", "both failed",
               "agree", "disagree", "ambiguous (service)", "unknown"]

    def row(name: str, t: Tally) -> list[str]:
        return [name, str(t.count), *(pct(t.pair[k], t.count) for k in ("same", "different", "ambiguous",
                                                                           "one failed", "both failed")),
                *(pct(t.service[k], t.count) for k in ("agree", "disagree", "ambiguous", "unknown"))]

    rows = [row("**all**", overall)] + [row(p, per_province[p]) for p in sorted(per_province, key=key)]
    lines.append(table(headers, rows))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit-per-province", type=int, default=None, help="old communes per province")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    report = run(args.limit_per_province, lambda s: print(s, file=sys.stderr, flush=True))
    print(report)
    args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Chip read benchmark: full CCCD read (PACE, EF.COM, EF.SOD, DG1, DG13, DG14, DG15, 20 KB DG2, PA, AA, CA).

In-process emulated card under a link model of 424 kbit/s and 5 ms per command. Link time is accounted, not
slept: each row's times are the real CPU time of both sides plus the modelled link time. Compared: the adaptive
read-size strategy versus fixed 0xA0 and 0xDF reads, on a card with and without extended length. "min" is the
fewest commands possible for the card's maximum read size (whole files with extended length, 0xDF blocks
without). Then the same adaptive read through the real pcscd + vsmartcard-vpcd stack (real time).

Then every card profile of the simulated twin (``drivers/sim/card_profiles.py``): commands of the adaptive reader
beside the profile's minimum (``minimum_commands``: the fewest a reader that already knew the chip's behaviour
would need), in process under the same link model, and through pcscd + vpcd (real time).

Run: ``.venv/bin/python bench/card.py`` (pcscd must be running for the last row: deploy/dev/services.d/pcscd.sh).
Writes bench/results/card.md.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import table  # noqa: E402
from drivers.emrtd import lds  # noqa: E402
from drivers.emrtd.pki import TestPki, TrustStore, make_test_pki  # noqa: E402
from drivers.emrtd.read_strategy import EXTENDED_ALL, SHORT_BLOCK, ReadStrategy, minimum_reads  # noqa: E402
from drivers.emrtd.reader import AccessKey, ChipReader, ReadOptions, ReadStats  # noqa: E402
from drivers.sim import card_profiles  # noqa: E402
from drivers.sim.card_profiles import PROFILES, CardProfile, build_profile_card  # noqa: E402
from drivers.sim.emulated_card import EmulatedCard, emulated_card_from_record  # noqa: E402
from drivers.sim.link import LinkModel, TimedTransport  # noqa: E402
from drivers.transport import InProcessTransport  # noqa: E402
from kiosk.chip_keys import access_keys  # noqa: E402
from kiosk.mrz import format_td1  # noqa: E402
from kiosk.sample_documents import sample_document  # noqa: E402
from kiosk.samples import sample_identity  # noqa: E402

LINK = LinkModel(bit_rate=424_000, latency_s=0.005)
REPEATS = 3
PROTOCOL_COMMANDS = 5 + 1 + 1 + 2  # PACE (MSE + 4 GA), SELECT application, AA, CA (MSE + GA)
READ_FILES = [lds.FID_CARD_ACCESS, lds.FID_COM, lds.FID_SOD, 0x0101, 0x010D, 0x010E, 0x010F, 0x0102]
VPCD_PORT = 35964
VPCD_READER = "Virtual PCD 00 01"


def make_card(pki: TestPki, faults: list[str]) -> EmulatedCard:
    who = sample_identity(1)
    return emulated_card_from_record(who.to_dict(), pki, format_td1(who), faults=faults, dg2_size=20000)


def minimum_commands(card: EmulatedCard, block: int) -> int:
    return minimum_reads([len(card.files[f]) for f in READ_FILES], block) + PROTOCOL_COMMANDS


def read_once(card: EmulatedCard, trust: TrustStore, strategy: ReadStrategy | None) -> tuple[ReadStats, Any]:
    transport = TimedTransport(InProcessTransport(card), LINK, sleep=False)
    reader = ChipReader(transport, [AccessKey("can", card.keys.can or "")], trust=trust,
                        options=ReadOptions(strategy=strategy), clock=transport.clock)
    result = reader.read()
    return result.stats, result.verification


def bench_in_process(pki: TestPki, trust: TrustStore) -> list[list[str]]:
    rows = []
    for extended in (True, False):
        faults = [] if extended else ["no-extended"]
        for name in ("adaptive", "fixed 0xA0", "fixed 0xDF"):
            runs = []
            for _ in range(REPEATS):
                card = make_card(pki, faults)
                strategy = None if name == "adaptive" else ReadStrategy.fixed_block(int(name[-4:], 16))
                stats, verification = read_once(card, trust, strategy)
                statuses = {verification[k]["status"] for k in ("passive", "active", "chip_authentication")}
                if statuses != {"valid"}:
                    raise SystemExit(f"benchmark read not valid: {statuses}")
                runs.append(stats)
            minimum = minimum_commands(card, EXTENDED_ALL if extended else SHORT_BLOCK)
            rows.append(_row("yes" if extended else "no", name, runs, minimum))
    runs = []
    for _ in range(REPEATS):
        card = make_card(pki, ["small-max-read=128"])
        runs.append(read_once(card, trust, None)[0])
    rows.append(_row("yes, max read 128 B", "adaptive", runs, minimum_commands(card, 128)))
    return rows


def _row(extended: str, name: str, runs: list[ReadStats], minimum: int) -> list[str]:
    s = runs[0]
    return [extended, name, str(s.commands), str(minimum), f"{s.commands / minimum:.2f}", str(s.bytes_out),
            str(s.bytes_in), f"{statistics.median(r.ms_total for r in runs):.0f}",
            f"{statistics.median(r.ms_text_ready or 0 for r in runs):.0f}"]


def read_through_vpcd(card_keys: Callable[[], tuple[EmulatedCard, list[AccessKey]]],
                      trust: TrustStore) -> tuple[ReadStats, float] | str:
    """Read a card served on the vpcd reader through the real pcscd: (stats, real seconds), or why it could not.
    The reader is shared: a read the card service loses (card seen leaving) is tried once more with a new card."""
    from drivers.pcsc import PcscTransport, reader_names
    from drivers.sim.vpcd import VpcdCard
    from drivers.transport import TransportError

    try:
        if not any(VPCD_READER in n for n in reader_names()):
            return "not available (no vpcd reader)"
    except TransportError:
        return "not available (pcscd not running)"
    for attempt in range(2):
        card, keys = card_keys()
        stop = threading.Event()
        server = VpcdCard(card, port=VPCD_PORT)
        thread = threading.Thread(target=server.serve, args=(stop,), daemon=True)
        thread.start()
        transport = PcscTransport(VPCD_READER)
        try:
            if not (server.connected.wait(10) and transport.wait_for_card(10)):
                return "not available (card not seen)"
            start = time.perf_counter()
            result = ChipReader(transport, keys, trust=trust).read()
            return result.stats, time.perf_counter() - start
        except TransportError:
            if attempt:
                raise
        finally:
            transport.disconnect()
            stop.set()
            thread.join(5)
            PcscTransport(VPCD_READER).wait_for_removal(5)
    return "not available (the card kept leaving the reader)"


def bench_vpcd(pki: TestPki, trust: TrustStore) -> list[str]:
    def card_keys() -> tuple[EmulatedCard, list[AccessKey]]:
        card = make_card(pki, [])
        return card, [AccessKey("can", card.keys.can or "")]

    read = read_through_vpcd(card_keys, trust)
    if isinstance(read, str):
        return ["pcscd + vpcd", read]
    s, elapsed = read
    return ["pcscd + vpcd, adaptive, extended length (real time, no link model)",
            f"{s.commands} commands, {s.bytes_out + s.bytes_in} bytes, {s.ms_total:.0f} ms total, "
            f"{s.ms_text_ready or 0:.0f} ms to text ready, {s.commands / elapsed:.1f} commands/s"]


def profile_card(profile: CardProfile, pkis: dict[str, TestPki]) -> tuple[EmulatedCard, list[AccessKey]]:
    holder, mrz = sample_document(profile.document)
    card = build_profile_card(profile, holder.to_dict(), mrz, pkis[profile.pki])
    keys = [AccessKey("can", card.keys.can or "")] if profile.access_key == "can" else access_keys(mrz_lines=mrz)
    return card, keys


def bench_profiles(pkis: dict[str, TestPki], trust: TrustStore) -> list[list[str]]:
    rows = []
    for profile in PROFILES:
        card, keys = profile_card(profile, pkis)
        transport = TimedTransport(InProcessTransport(card), LINK, sleep=False)
        result = ChipReader(transport, keys, trust=trust, clock=transport.clock).read()
        v = result.verification
        statuses = "/".join(v[k]["status"] for k in ("passive", "active", "chip_authentication"))
        minimum = card_profiles.minimum_commands(profile, card)
        s = result.stats
        rows.append([profile.name, str(v["access"]), str(s.commands), str(minimum), f"{s.commands / minimum:.2f}",
                     profile_vpcd(profile, pkis, trust), str(s.bytes_out + s.bytes_in), f"{s.ms_total:.0f}",
                     statuses])
    return rows


def profile_vpcd(profile: CardProfile, pkis: dict[str, TestPki], trust: TrustStore) -> str:
    """Commands of the same profile's read through pcscd + vpcd, and its real time; '-' without the reader."""
    read = read_through_vpcd(lambda: profile_card(profile, pkis), trust)
    if isinstance(read, str):
        return "-"
    return f"{read[0].commands} ({read[1] * 1000:.0f} ms)"


PROFILE_HEAD = ["profile", "access", "commands", "min", "ratio", "via pcscd (real ms)", "bytes", "ms (link model)",
                "passive/active/CA"]
STRATEGY_HEAD = ["extended length", "strategy", "commands", "min", "ratio", "bytes out", "bytes in", "ms total",
                 "ms text ready"]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        pki = make_test_pki(tmp)
        trust = TrustStore.from_directory(tmp)
        rows = bench_in_process(pki, trust)
        vpcd = bench_vpcd(pki, trust)
        pkis = {kind: make_test_pki(key_type=kind, label=f"Profile {kind}") for kind in ("ec", "ec-p256", "rsa")}
        profile_rows = bench_profiles(pkis, TrustStore(certificates=[p.csca_cert for p in pkis.values()]))
    text = "\n".join([
        "# Chip read benchmark (bench/card.py)",
        "",
        "Full read of an emulated CCCD: PACE-CAN brainpoolP256r1 AES-128, EF.CardAccess, EF.COM, EF.SOD, DG1, "
        "DG13, DG14, DG15, 20 KB DG2, passive, active (RSA-2048) and chip authentication. Link model "
        f"{LINK.bit_rate // 1000} kbit/s + {LINK.latency_s * 1000:.0f} ms per command, accounted (not slept) on "
        f"top of the real CPU time of reader and emulated card; median of {REPEATS} runs. 'min' = fewest "
        "commands for the card's maximum read size (whole files with extended length, 0xDF blocks without, "
        "128-byte blocks on the card that refuses larger reads).",
        "",
        table(STRATEGY_HEAD, rows),
        "",
        f"- {vpcd[0]}: {vpcd[1]}",
        "",
        "## Card profiles",
        "",
        "Every profile of the simulated twin read by the adaptive reader with the key the kiosk would have (CAN "
        "for the Vietnamese cards, the MRZ otherwise). 'min' = the fewest commands for a reader that already "
        "knew the chip's behaviour (SFI support, read size, how it answers reads past the end) but not its "
        "files' lengths. Times are inflated by the shared CPUs.",
        "",
        table(PROFILE_HEAD, profile_rows),
        "",
    ])
    print(text)
    out = ROOT / "bench" / "results" / "card.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

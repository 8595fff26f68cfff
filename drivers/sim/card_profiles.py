"""Card profiles: whole simulated documents whose chips behave as real ones are documented to behave.

Each profile is data: which document it is (the holder and MRZ come from the caller, e.g.
``kiosk.sample_documents``), which access control it offers, how its chip answers (``EmulatedCard`` behaviour
names), how its security objects are signed, and the sources that ground each behaviour. ``build_profile_card``
makes the emulated chip; ``minimum_commands`` is the fewest commands a reader that already knew the chip's
behaviour (but not its files' lengths) would need for a full read, the yardstick the reader's count is held to.

Sources cited below:

- [9303-10] ICAO Doc 9303 part 10 (LDS1: file table, SFIs, EF.COM deprecated by LDS 1.8, DG7, DG11, DG12).
- [9303-11] ICAO Doc 9303 part 11 (BAC §4.3, PACE §4.4 with the standardized parameterIds §9.5.1: RFC 5114
  MODP groups 0–2, NIST and brainpool curves; secure messaging §9.8).
- [NPR-42] AndyQ/NFCPassportReader#42: a passport answers a read past the end of EF.COM with 6282, then 6988
  (secure messaging lost) on the next command.
- [NPR-91] AndyQ/NFCPassportReader#91: a Spanish ID card refuses 256-byte reads with 6282; 160-byte blocks work.
- [NPR-89] AndyQ/NFCPassportReader#89: a Russian passport answers 6B00 to a READ BINARY, then 6988.
- [NPR-29] AndyQ/NFCPassportReader#29: 6Cxx with the exact length the chip will give.
- [NPR-223] AndyQ/NFCPassportReader#223: Chinese passports return no data to an extended Le for Active
  Authentication; a short Le works.
- [NPR-50] AndyQ/NFCPassportReader#50: PACE becomes mandatory on new documents; DH and ECDH generic mapping.
- [NPR-119] AndyQ/NFCPassportReader#119 and [NPR-131] #131: documents that offer PACE with integrated mapping
  (EU ID cards and passports), which readers without IM cannot open.
- [NPR-269] AndyQ/NFCPassportReader#269: cards with several PACEInfos need the parameterId in MSE:Set AT.
- [GMRTD-410] gmrtd/gmrtd#410: passports that refuse extended length, and one (Ukrainian) that reads at most
  192 bytes at a time.
- [JMRTD-6A82] alimertozdemir/EPassportNFCReader#6 and jllarraz/AndroidPassportReader#7 (JMRTD): 6A82 on
  SELECT of EF.CardAccess / EF.SOD on documents without the file; JMRTD's ``PassportService`` can turn SFI reads
  off (``isSFIEnabled``) for chips that refuse them.
- [SELF-770] selfxyz/self#770 and AndyQ/NFCPassportReader#73: a wrong MRZ key is refused with 6985 or 6300.
- [DMRTD-10] ZeroPass/dmrtd#10: 6988 instead of 9000 on some documents.
- [DMRTD-28] ZeroPass/dmrtd#28: a Vietnamese ID card that a passport reader cannot read (no MF selection).
- [CCCD] docs/chip.md: the CCCD's EF.CardAccess (PACE-ECDH-GM, brainpoolP256r1,
  AES-128, CAN from the card's QR code), DG13 layouts of the 2021 CCCD and the 2024 căn cước.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from drivers.emrtd import lds
from drivers.emrtd.card_access import KeyAgreement, Mapping
from drivers.emrtd.pki import TestPki
from drivers.emrtd.read_strategy import HEADER, SHORT_BLOCK
from drivers.sim.emulated_card import EmulatedCard, emulated_card_from_record

DocumentKind = Literal["cccd-2021", "can-cuoc-2024", "passport", "foreign-id"]
PkiKind = Literal["ec", "ec-p256", "rsa"]
AaKind = Literal["rsa-2048", "rsa-1024", "ec-p256", "none"]

PACE_COMMANDS = 5 + 1  # MSE:Set AT, four GENERAL AUTHENTICATE, SELECT application
BAC_COMMANDS = 1 + 1 + 1  # SELECT application, GET CHALLENGE, MUTUAL AUTHENTICATE
CA_COMMANDS = 2  # MSE:Set AT, GENERAL AUTHENTICATE (AES)


@dataclass(frozen=True)
class CardProfile:
    name: str
    summary: str
    document: DocumentKind
    pace: tuple[KeyAgreement, int] | None  # (key agreement, parameterId) in EF.CardAccess; None: BAC only
    behaviours: tuple[str, ...] = ()  # EmulatedCard behaviour names
    pace_mapping: Mapping = "GM"
    pki: PkiKind = "ec"  # document signer key: brainpoolP256r1, P-256 or RSA-2048
    sod_pss: bool = False  # RSASSA-PSS instead of PKCS#1 v1.5 (RSA signers)
    aa: AaKind = "rsa-2048"
    chip_auth: bool = True
    dg7: bool = False
    dg2_size: int = 12000
    sources: tuple[str, ...] = ()

    @property
    def access_key(self) -> Literal["can", "mrz"]:
        """The key the kiosk has for this document: the CAN from a CCCD's QR code, else the MRZ."""
        return "can" if self.document in ("cccd-2021", "can-cuoc-2024") else "mrz"


PROFILES: tuple[CardProfile, ...] = (
    CardProfile(
        "cccd-2021", "CCCD issued 2021–2024: PACE-CAN brainpoolP256r1, extended length, DG13 (2021 layout)",
        "cccd-2021", ("ECDH", 13), sources=("[CCCD]", "[9303-11] §4.4", "[DMRTD-28]"),
    ),
    CardProfile(
        "can-cuoc-2024", "Căn cước issued from July 2024: as the CCCD, DG13 in the 2024 layout",
        "can-cuoc-2024", ("ECDH", 13), aa="ec-p256", sources=("[CCCD]", "[9303-11] §4.4"),
    ),
    CardProfile(
        "bac-td3-no-sfi",
        "BAC-only TD3 passport: no SFI reads, missing files and reads past the end answered bare (session kept), "
        "wrong key → 6988, short Le only, RSA PKCS#1 v1.5 signer, DG7",
        "passport", None, ("no-sfi", "plain-missing", "bare-over-read", "wrong-key-6988", "no-extended"),
        pki="rsa", aa="rsa-1024", chip_auth=False, dg7=True,
        sources=("[9303-11] §4.3", "[JMRTD-6A82]", "[NPR-42]", "[DMRTD-10]", "[NPR-89]"),
    ),
    CardProfile(
        "pace-dh", "TD3 passport with PACE-DH generic mapping (RFC 5114 2048/256, parameterId 2) and BAC, ECDSA P-256 "
        "signer", "passport", ("DH", 2), pki="ec-p256", aa="none", dg7=True,
        sources=("[9303-11] §4.4.3.3.1, §9.5.1", "[NPR-50]", "[NPR-269]"),
    ),
    CardProfile(
        "pace-im", "TD3 passport with PACE-ECDH integrated mapping (brainpoolP256r1) and BAC", "passport",
        ("ECDH", 13), pace_mapping="IM", aa="ec-p256",
        sources=("[9303-11] §4.4.3.3.2, Appendix B, Appendix H.1", "[NPR-119]", "[NPR-131]"),
    ),
    CardProfile(
        "short-le", "TD3 passport with short Le only (no extended length) and at most 192 bytes per read, "
        "PACE P-256, RSA-PSS signer, ECDSA Active Authentication", "passport", ("ECDH", 12),
        ("no-extended", "small-max-read=192"), pki="rsa", sod_pss=True, aa="ec-p256",
        sources=("[GMRTD-410]", "[NPR-91]", "[NPR-29]", "[NPR-223]"),
    ),
    CardProfile(
        "plain-missing", "LDS 1.8 TD3 passport without EF.COM that answers missing files unprotected and keeps "
        "its session", "passport", ("ECDH", 13), ("no-com", "plain-missing"),
        sources=("[9303-10] §4.6.1 (EF.COM deprecated)", "[JMRTD-6A82]", "[NPR-42]"),
    ),
    CardProfile(
        "td1-foreign-id", "TD1 identity card of another state: PACE with the MRZ (no CAN at hand), BAC fallback, "
        "DG11/DG12, brainpool signer", "foreign-id", ("ECDH", 13), aa="ec-p256",
        sources=("[9303-11] §4.3.2 (TD1 MRZ_information)", "[9303-10]", "[SELF-770]"),
    ),
)
BY_NAME = {profile.name: profile for profile in PROFILES}


def _aa_key(kind: AaKind) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None:
    if kind == "rsa-1024":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    if kind == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    return None  # "rsa-2048": the process-wide default key; "none": no DG15


def build_profile_card(profile: CardProfile, record: dict[str, Any], mrz_lines: list[str], pki: TestPki, *,
                       faults: tuple[str, ...] = ()) -> EmulatedCard:
    """The emulated chip of ``profile`` for a holder (identity-model JSON and MRZ), signed by ``pki`` (whose key
    type must be ``profile.pki``); ``faults`` add test faults (e.g. ``wrong-key``, ``removed-at=N``)."""
    return emulated_card_from_record(
        record, pki, mrz_lines, faults=(*profile.behaviours, *faults), variant=profile.document,
        dg2_size=profile.dg2_size,
        aa_private_key=_aa_key(profile.aa), pace=profile.pace, pace_mapping=profile.pace_mapping,
        chip_auth=profile.chip_auth,
        active_auth=profile.aa != "none", dg7=profile.dg7, sod_pss=profile.sod_pss)


def _reads(size: int, card: EmulatedCard, *, over_read_bare: bool) -> int:
    """READ BINARY commands for one protected file of ``size`` bytes."""
    if "no-extended" not in card.faults:
        return 1
    block = min(SHORT_BLOCK, card.faults.max_read or SHORT_BLOCK)
    if over_read_bare:
        return 1 + -(-(size - HEADER) // block)
    return -(-size // block)


def minimum_commands(profile: CardProfile, card: EmulatedCard, *, read_face: bool = True) -> int:
    """The fewest commands for a full read of ``card`` by a reader that knows its behaviour but not its files'
    lengths: access control, every file listed (EF.COM's list, else EF.SOD's), AA and CA."""
    files = card.files
    no_sfi = "no-sfi" in card.faults
    bare = "bare-over-read" in card.faults
    count = 1  # EF.CardAccess: read whole (plain) or found absent, by SFI or by a SELECT
    if profile.pace is not None:
        plain_block = min(256 if "no-extended" in card.faults else 65536, card.faults.max_read or 65536)
        count += -(-len(files[lds.FID_CARD_ACCESS]) // plain_block) - 1 + (1 if no_sfi else 0)
        count += PACE_COMMANDS
    else:
        count += BAC_COMMANDS
    groups = sorted(n for n in (lds.dg_number_for_fid(fid) for fid in files) if n is not None and n != 3)
    if not read_face:
        groups.remove(2)
    wanted = [lds.FID_COM, lds.FID_SOD, *(lds.dg_fid(n) for n in groups)]
    for fid in wanted:
        if fid not in files:
            count += 1  # asked for and found absent (EF.COM on an LDS 1.8 chip)
            continue
        count += _reads(len(files[fid]), card, over_read_bare=bare) + (1 if no_sfi else 0)
    if lds.dg_fid(15) in files:
        count += 1
    if card.keys.ca_private_key is not None:
        count += CA_COMMANDS + (0 if read_face else 1)
    return count

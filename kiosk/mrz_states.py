"""The codes an MRZ may carry for an issuing state or a nationality (ICAO Doc 9303-3 §5): the ISO 3166-1 alpha-3
codes, the former codes documents still in circulation may carry (ISO 3166-3), and ICAO's own codes (``D`` for
Germany, the British ``GB?`` classes, the United Nations, stateless persons and refugees ``XXA``–``XXC``, ``XXX``
unspecified, and international organisations), and ``UTO``, the fictional state of ICAO's specimen documents.

Used where a misread cannot be caught otherwise: no check digit covers these fields, so a camera reading whose state
or nationality is no known code is unsure (``kiosk/mrz_correct.py``). Typed-in and chip MRZs are not held to it.
"""

from __future__ import annotations

ISO_3166_1 = frozenset([
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF", "ATG", "AUS",
    "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS", "BIH", "BLM", "BLR", "BLZ",
    "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF", "CAN", "CCK", "CHE", "CHL", "CHN", "CIV",
    "CMR", "COD", "COG", "COK", "COL", "COM", "CPV", "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU",
    "DJI", "DMA", "DNK", "DOM", "DZA", "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK",
    "FRA", "FRO", "FSM", "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC",
    "GRD", "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN", "IND",
    "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ", "KEN", "KGZ", "KHM",
    "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE", "LKA", "LSO", "LTU", "LUX", "LVA",
    "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX", "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG",
    "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS", "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC",
    "NIU", "NLD", "NOR", "NPL", "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL",
    "PRI", "PRK", "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR", "SVK", "SVN",
    "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL", "TKM", "TLS", "TON", "TTO",
    "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY", "USA", "UZB", "VAT", "VCT", "VEN", "VGB",
    "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF", "ZMB", "ZWE",
])

FORMER = frozenset([
    "AFI", "ANT", "ATB", "ATN", "BUR", "BYS", "CSK", "CTE", "DDR", "DHY", "FXX", "GEL", "HVO", "JTN", "MID",
    "NHB", "NTZ", "PCI", "PCZ", "PUS", "RHO", "SCG", "SKM", "SUN", "TMP", "VDR", "WAK", "YMD", "YUG", "ZAR",
])

ICAO_SPECIAL = frozenset([
    "D", "GBD", "GBN", "GBO", "GBP", "GBS", "EUE", "UNA", "UNK", "UNO", "XBA", "XIM", "XCC", "XCE", "XCO",
    "XEC", "XPO", "XES", "XMP", "XOM", "XDC", "XXA", "XXB", "XXC", "XXX", "RKS", "UTO",
])

STATE_CODES = ISO_3166_1 | FORMER | ICAO_SPECIAL


def is_state_code(code: str) -> bool:
    """True when ``code`` (fillers removed) names a state, a class of person or an organisation ICAO lists."""
    return code in STATE_CODES

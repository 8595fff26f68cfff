"""Deterministic synthetic citizens for demos, simulated cards and tests. No real person's data.

``sample_identity(n)`` always returns the same identity for the same ``n``, with every field a chip would carry.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from kiosk.identity import CardType, Identity, Sex
from kiosk.mrz import expiry_from_rule

_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
             "Hồ", "Ngô", "Dương", "Lý")
_MIDDLE = {"M": ("Văn", "Đức", "Quốc", "Minh", "Hữu", "Thành", "Công"),
           "F": ("Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Bích", "Kim")}
_GIVEN = {"M": ("An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quân", "Sơn",
                "Thắng", "Tuấn", "Việt"),
          "F": ("Anh", "Chi", "Diệp", "Hà", "Hằng", "Hương", "Lan", "Linh", "Mai", "Ngân", "Nhung", "Phương",
                "Thảo", "Trang", "Yến")}
# (province code in the ID number, province, ward/commune, hamlet/street)
_PLACES = (
    ("001", "Thành phố Hà Nội", "Phường Dịch Vọng, Quận Cầu Giấy", "Số 12 ngõ 165 Xuân Thủy"),
    ("079", "Thành phố Hồ Chí Minh", "Phường 2, Quận 3", "123 Đường Số 1"),
    ("048", "Thành phố Đà Nẵng", "Phường Hải Châu I, Quận Hải Châu", "45 Trần Phú"),
    ("036", "Tỉnh Nam Định", "Xã Hải Hậu, Huyện Hải Hậu", "Thôn Đông Nhất"),
    ("038", "Tỉnh Thanh Hóa", "Xã Quảng Tâm, Thành phố Thanh Hóa", "Thôn 3"),
    ("052", "Tỉnh Bình Định", "Phường Trần Hưng Đạo, Thành phố Quy Nhơn", "Tổ 5, Khu vực 2"),
    ("092", "Thành phố Cần Thơ", "Phường An Hòa, Quận Ninh Kiều", "Hẻm 51 Đường 3 Tháng 2"),
    ("068", "Tỉnh Lâm Đồng", "Phường 4, Thành phố Đà Lạt", "18 Hoàng Văn Thụ"),
)
_ETHNICITIES = ("Kinh", "Kinh", "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa")
_RELIGIONS = ("Không", "Không", "Không", "Phật giáo", "Công giáo", "Cao Đài")
_MARKS = ("Nốt ruồi C:2cm dưới sau mép trái", "Sẹo chấm C:1cm trên trước đầu lông mày phải",
          "Nốt ruồi C:3cm trên sau cánh mũi phải", "Sẹo chấm C:2cm dưới trước tai trái")


def _name(rng: random.Random, sex: Sex) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE[sex])} {rng.choice(_GIVEN[sex])}"


def sample_identity(n: int, *, today: date = date(2026, 1, 1)) -> Identity:
    """Synthetic citizen number ``n`` (any int), as a chip read would give it (``source="chip"``)."""
    rng = random.Random(f"cccd-kiosk-sample-{n}")
    sex: Sex = "M" if rng.random() < 0.5 else "F"
    birth = date(1945, 1, 1) + timedelta(days=rng.randrange(0, (date(2008, 12, 31) - date(1945, 1, 1)).days))
    earliest_issue = max(date(2021, 1, 1), birth.replace(year=birth.year + 14) if birth.month != 2 or birth.day != 29
                         else date(birth.year + 14, 3, 1))
    issue = earliest_issue + timedelta(days=rng.randrange(0, max(1, (today - earliest_issue).days)))
    card_type: CardType = "can-cuoc-2024" if issue >= date(2024, 7, 1) else "cccd-2021"
    code, province, ward, street = rng.choice(_PLACES)
    _, origin_province, origin_ward, _ = rng.choice(_PLACES)
    century_sex = {(19, "M"): 0, (19, "F"): 1, (20, "M"): 2, (20, "F"): 3}[(birth.year // 100, sex)]
    id_number = f"{code}{century_sex}{birth.year % 100:02d}{rng.randrange(0, 10**6):06d}"
    expiry = expiry_from_rule(birth, issue)
    father = _name(rng, "M")
    mother = _name(rng, "F")
    married = birth.year < 1998 and rng.random() < 0.7
    return Identity(
        id_number=id_number,
        old_id_number=f"{rng.randrange(10**8, 10**9):09d}" if birth.year < 1995 and rng.random() < 0.8 else None,
        full_name=_name(rng, sex),
        date_of_birth=birth,
        sex=sex,
        nationality="Việt Nam",
        ethnicity=rng.choice(_ETHNICITIES),
        religion=rng.choice(_RELIGIONS),
        place_of_origin=f"{origin_ward.split(',')[0]}, {origin_province}",
        residence=f"{street}, {ward}, {province}",
        identifying_marks=rng.choice(_MARKS),
        issue_date=issue,
        expiry_date=expiry,
        no_expiry=expiry is None,
        father_name=father,
        mother_name=mother,
        spouse_name=_name(rng, "F" if sex == "M" else "M") if married else None,
        card_type=card_type,
        source="chip",
        document_number=id_number[-9:],
    )

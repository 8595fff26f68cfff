"""Simulated BHXH card-check gateway, and the clinic-side relay that holds its credentials.

- ``egw_router(sim)``: ``POST /api/token/take`` (``username``, MD5 ``password``) and
  ``POST /api/egw/KQNhanLichSuKCB2024`` with ``token``, ``id_token``, ``username``, ``password`` in the query
  string, answering with the documented response fields and result codes (HTTP 401 for a bad token).
- ``clinic_router(egw_url, account)``: what the clinic's system offers the kiosk, ``POST /clinic/card-check``
  with ``maThe``, ``hoTen``, ``ngaySinh``: it logs in (token cached, renewed on 401), adds the staff member
  (``hoTenCb``, ``cccdCb``), calls the gateway over HTTP and returns its answer unchanged.

The simulation derives every result code from the card data (state, dates, name, date of birth), so each
documented code can be produced by a matching card.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs

import requests
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from intake.sims.serve import serve
from wire.text import clean, fold_diacritics

CHECK_PATH = "/api/egw/KQNhanLichSuKCB2024"
LOGIN_PATH = "/api/token/take"

STATES = (
    "active",
    "mod",
    "mps",
    "revoked",
    "reduced",
    "reduced-moved-province",
    "reduced-moved-within",
    "reduced-reenrolled",
    "reduced-stopped",
    "child-no-card",
    "read-error",
    "server-error",
)
_STATE_CODES = {
    "revoked": "110",
    "reduced": "120",
    "reduced-moved-province": "121",
    "reduced-moved-within": "122",
    "reduced-reenrolled": "123",
    "reduced-stopped": "124",
    "child-no-card": "130",
}
_NOTES = {
    "000": "Thẻ còn giá trị sử dụng!",
    "001": "Thẻ do BHXH Bộ Quốc Phòng quản lý",
    "002": "Thẻ do BHXH Bộ Công An quản lý",
    "003": "Thẻ cũ hết giá trị sử dụng, được cấp thẻ mới",
    "004": "Thẻ cũ còn giá trị sử dụng, được cấp thẻ mới",
    "010": "Thẻ hết giá trị sử dụng",
    "050": "Không thấy thông tin thẻ",
    "051": "Mã thẻ không đúng",
    "052": "Mã tỉnh cấp thẻ không đúng",
    "053": "Mã quyền lợi thẻ không đúng",
    "060": "Thẻ sai họ tên",
    "061": "Thẻ sai họ tên (đúng ký tự đầu)",
    "070": "Thẻ sai ngày sinh",
    "100": "Lỗi khi lấy dữ liệu số thẻ",
    "101": "Lỗi server",
    "110": "Thẻ đã thu hồi",
    "120": "Thẻ đã báo giảm",
    "121": "Thẻ đã báo giảm. Giảm do chuyển ngoại tỉnh",
    "122": "Thẻ đã báo giảm. Giảm do chuyển nội tỉnh",
    "123": "Thẻ đã báo giảm. Thu hồi do tăng lại cùng đơn vị",
    "124": "Thẻ đã báo giảm. Giảm do ngừng tham gia",
    "130": "Trẻ em không xuất trình thẻ",
    "205": "Lỗi sai định dạng tham số",
    "401": "Lỗi xác thực tài khoản",
}
_CARD = re.compile(r"^[A-Z]{2}\d{13}$")


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # the gateway's documented password scheme


@dataclass
class SimCard:
    card_number: str
    full_name: str
    date_of_birth: date
    sex: str = "1"
    id_number: str | None = None
    address: str = ""
    facility: str = "01001"
    valid_from: date = date(2026, 1, 1)
    valid_to: date = date(2026, 12, 31)
    area: str = ""
    state: str = "active"
    new_card: dict[str, str] | None = None
    year_only: bool = False


@dataclass
class BhxhSim:
    cards: list[SimCard] = field(default_factory=list)
    accounts: dict[str, str] = field(default_factory=dict)  # username -> MD5 of the password
    today: date | None = None
    tokens: set[str] = field(default_factory=set)
    log: list[dict[str, Any]] = field(default_factory=list)

    def login(self, username: str, password_md5: str) -> dict[str, Any]:
        if self.accounts.get(username) != password_md5:
            return {"maKetQua": "401", "APIKey": None}
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return {
            "maKetQua": "200",
            "APIKey": {
                "access_token": token,
                "id_token": secrets.token_hex(8),
                "token_type": "Bearer",
                "username": username,
                "expires_in": 1800,
            },
        }

    def _find(self, number: str) -> SimCard | None:
        return next((c for c in self.cards if number in (c.card_number, c.id_number)), None)

    def code_for(self, body: dict[str, Any]) -> tuple[str, SimCard | None]:
        number = str(body.get("maThe") or "").strip().upper()
        name, born = str(body.get("hoTen") or ""), str(body.get("ngaySinh") or "")
        if not number or not name.strip() or not body.get("hoTenCb") or not body.get("cccdCb"):
            return "205", None
        if not re.fullmatch(r"\d{2}/\d{2}/\d{4}|\d{4}", born):
            return "205", None
        card = self._find(number)
        if card is None:
            if re.fullmatch(r"\d{12}", number):
                return "050", None
            if not _CARD.match(number):
                return "051", None
            if number[2] not in "12345":
                return "053", None
            if not 1 <= int(number[3:5]) <= 99:
                return "052", None
            return "050", None
        if card.state == "read-error":
            return "100", card
        if card.state == "server-error":
            return "101", card
        typed, held = fold_diacritics(clean(name)).upper(), fold_diacritics(clean(card.full_name)).upper()
        if typed != held:
            return ("061" if typed[:1] == held[:1] else "060"), card
        wanted = card.date_of_birth.strftime("%Y" if card.year_only else "%d/%m/%Y")
        if born != wanted and born[-4:] != wanted:
            return "070", card
        if card.state in _STATE_CODES:
            return _STATE_CODES[card.state], card
        today = self.today or date.today()
        if card.new_card:
            return ("003" if card.valid_to < today else "004"), card
        if card.valid_to < today:
            return "010", card
        return {"mod": "001", "mps": "002"}.get(card.state, "000"), card

    def check(self, body: dict[str, Any]) -> dict[str, Any]:
        code, card = self.code_for(body)
        answer: dict[str, Any] = {"maKetQua": code, "ghiChu": _NOTES[code], "dsLichSuKCB2018": None}
        if card is not None and code not in ("100", "101"):
            fmt = "%d/%m/%Y"
            answer.update(
                {
                    "maThe": card.card_number,
                    "hoTen": card.full_name,
                    "ngaySinh": card.date_of_birth.strftime("%Y" if card.year_only else fmt),
                    "gioiTinh": "Nam" if card.sex == "1" else "Nữ",
                    "diaChi": card.address,
                    "maDKBD": card.facility,
                    "cqBHXH": "Bảo hiểm xã hội (mô phỏng)",
                    "gtTheTu": card.valid_from.strftime(fmt),
                    "gtTheDen": card.valid_to.strftime(fmt),
                    "maKV": card.area,
                    "ngayDu5Nam": "",
                    "maSoBHXH": card.card_number[-10:],
                    "maTheCu": None,
                    "maTheMoi": None,
                }
            )
            if card.new_card and code in ("003", "004"):
                answer.update(
                    {
                        "maTheCu": card.card_number,
                        "maTheMoi": card.new_card["maTheMoi"],
                        "gtTheTuMoi": card.new_card["gtTheTuMoi"],
                        "gtTheDenMoi": card.new_card["gtTheDenMoi"],
                        "maDKBDMoi": card.new_card["maDKBDMoi"],
                        "tenDKBDMoi": card.new_card.get("tenDKBDMoi", ""),
                    }
                )
        entry = {
            "userKT": body.get("hoTenCb"),
            "thoiGianKT": datetime.now().strftime("%Y%m%d%H%M"),
            "thongBao": _NOTES[code],
            "maLoi": code,
        }
        self.log.append(entry)
        answer["dsLichSuKT2018"] = [entry]
        return answer


def egw_router(sim: BhxhSim) -> APIRouter:
    router = APIRouter()

    @router.post(LOGIN_PATH)
    def take_token(body: dict[str, Any]) -> dict[str, Any]:
        return sim.login(str(body.get("username", "")), str(body.get("password", "")))

    @router.post(CHECK_PATH)
    async def check(request: Request) -> JSONResponse:
        q = request.query_params
        if q.get("token") not in sim.tokens or not q.get("username") or not q.get("id_token"):
            return JSONResponse({"maKetQua": "401", "ghiChu": _NOTES["401"]}, status_code=401)
        try:
            body = await request.json()
        except ValueError:
            body = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if not isinstance(body, dict):
            return JSONResponse({"maKetQua": "205", "ghiChu": _NOTES["205"]})
        return JSONResponse(sim.check(body))

    return router


@dataclass(frozen=True)
class ClinicAccount:
    """The clinic's gateway account and the staff member on duty (held by the clinic system, never
    the kiosk)."""

    username: str
    password: str
    staff_name: str
    staff_id_number: str


def clinic_router(
    egw_url: str,
    account: ClinicAccount,
    *,
    timeout: tuple[float, float] = (5, 30),
    his_patients: dict[str, str] | None = None,
) -> APIRouter:
    """The relay. The staff member named by the kiosk (``hoTenCb``, ``cccdCb`` from its site configuration) is
    passed on; without one the relay names its own. ``his_patients`` stands for the clinic's HIS: card or ID number
    → ``MA_BN``, returned as ``maBN`` for a patient the HIS already knows."""
    router = APIRouter()
    session = requests.Session()
    lock = threading.Lock()
    cached: dict[str, Any] = {}

    def token(renew: bool = False) -> dict[str, Any] | None:
        with lock:
            if renew or not cached:
                reply = session.post(
                    egw_url + LOGIN_PATH,
                    timeout=timeout,
                    json={"username": account.username, "password": md5(account.password)},
                )
                data = reply.json()
                cached.clear()
                if data.get("maKetQua") == "200" and data.get("APIKey"):
                    cached.update(data["APIKey"])
            return dict(cached) or None

    def call(body: dict[str, Any], key: dict[str, Any]) -> requests.Response:
        params = {
            "token": key["access_token"],
            "id_token": key["id_token"],
            "username": account.username,
            "password": md5(account.password),
        }
        return session.post(egw_url + CHECK_PATH, params=params, json=body, timeout=timeout)

    @router.post("/clinic/card-check")
    def card_check(body: dict[str, Any]) -> JSONResponse:
        payload = {k: body.get(k) for k in ("maThe", "hoTen", "ngaySinh")}
        if body.get("hoTenCb") and body.get("cccdCb"):
            payload.update({"hoTenCb": body["hoTenCb"], "cccdCb": body["cccdCb"]})
        else:
            payload.update({"hoTenCb": account.staff_name, "cccdCb": account.staff_id_number})
        key = token()
        if key is None:
            return JSONResponse({"maKetQua": "401", "ghiChu": _NOTES["401"]})
        reply = call(payload, key)
        if reply.status_code == 401:
            key = token(renew=True)
            if key is None:
                return JSONResponse({"maKetQua": "401", "ghiChu": _NOTES["401"]})
            reply = call(payload, key)
        answer = reply.json()
        patient = (his_patients or {}).get(str(payload.get("maThe") or ""))
        if patient and isinstance(answer, dict):
            answer["maBN"] = patient
        return JSONResponse(answer, status_code=200 if reply.status_code in (200, 401) else 502)

    return router


def scenario_card(
    code: str,
    *,
    card_number: str,
    id_number: str | None,
    full_name: str,
    date_of_birth: date,
    sex: str,
    today: date,
) -> tuple[SimCard | None, dict[str, str]]:
    """A card and a request override that make the simulation answer ``code`` for this person.

    Returns ``(card or None, changes to the request body)``; used by ``--simulate`` and by the tests.
    """
    base = SimCard(
        card_number=card_number,
        id_number=id_number,
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=sex,
        valid_from=date(today.year, 1, 1),
        valid_to=date(today.year, 12, 31),
        area="K1",
    )
    expired = replace(base, valid_from=date(today.year - 1, 1, 1), valid_to=date(today.year - 1, 12, 31))
    new = {
        "maTheMoi": "DN4" + card_number[3:],
        "gtTheTuMoi": f"01/01/{today.year}",
        "gtTheDenMoi": f"31/12/{today.year}",
        "maDKBDMoi": "01002",
        "tenDKBDMoi": "Trạm y tế (mô phỏng)",
    }
    scenarios: dict[str, tuple[SimCard | None, dict[str, str]]] = {
        "000": (base, {}),
        "001": (replace(base, state="mod"), {}),
        "002": (replace(base, state="mps"), {}),
        "003": (replace(expired, new_card=new), {}),
        "004": (replace(base, new_card=new), {}),
        "010": (expired, {}),
        "050": (None, {}),
        "051": (None, {"maThe": "1" + card_number[1:]}),
        "052": (None, {"maThe": card_number[:3] + "00" + card_number[5:]}),
        "053": (None, {"maThe": card_number[:2] + "9" + card_number[3:]}),
        "060": (replace(base, full_name="Zz " + full_name), {}),
        "061": (replace(base, full_name=full_name + " Thị"), {}),
        "070": (replace(base, date_of_birth=date(date_of_birth.year - 1, 1, 1)), {}),
        "100": (replace(base, state="read-error"), {}),
        "101": (replace(base, state="server-error"), {}),
        "110": (replace(base, state="revoked"), {}),
        "120": (replace(base, state="reduced"), {}),
        "121": (replace(base, state="reduced-moved-province"), {}),
        "122": (replace(base, state="reduced-moved-within"), {}),
        "123": (replace(base, state="reduced-reenrolled"), {}),
        "124": (replace(base, state="reduced-stopped"), {}),
        "130": (replace(base, state="child-no-card"), {}),
        "205": (base, {"ngaySinh": "1990-01-01"}),
    }
    if code not in scenarios:
        raise ValueError(f"no simulation scenario for result code {code}")
    return scenarios[code]


def build_app(sim: BhxhSim) -> FastAPI:
    app = FastAPI(title="Simulated BHXH card-check gateway")
    app.include_router(egw_router(sim))
    return app


@contextmanager
def serve_relay(
    sim: BhxhSim, account: ClinicAccount, *, his_patients: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """The simulated gateway and a clinic relay in front of it, each on a loopback port (real HTTP):
    yields ``(gateway_url, relay_url)``; the kiosk's relay client talks to ``relay_url``."""
    with serve(build_app(sim)) as egw:
        relay = FastAPI(title="Simulated clinic relay")
        relay.include_router(clinic_router(egw, account, his_patients=his_patients))
        with serve(relay) as url:
            yield egw, url


SIM_ACCOUNT = ClinicAccount("kiosk-sim", "kiosk-sim", "Nhân viên tiếp đón (mô phỏng)", "001080000001")


@contextmanager
def simulated_relay(cards: list[SimCard], *, today: date | None = None,
                    his_patients: dict[str, str] | None = None) -> Iterator[str]:
    """``serve_relay`` with a gateway holding ``cards`` and the simulation's clinic account; yields the relay's URL
    (what ``[clinic] relay_url`` names on a real site)."""
    sim = BhxhSim(cards=cards, accounts={SIM_ACCOUNT.username: md5(SIM_ACCOUNT.password)}, today=today)
    with serve_relay(sim, SIM_ACCOUNT, his_patients=his_patients) as (_, url):
        yield url

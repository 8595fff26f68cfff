"""Simulated police lodging system: the establishments' REST API and the XLSX import, with their
business rules.

API (as documented in "HD_Tichhop-API-CSLT" v1.3/1.4, not confirmed official): token, refresh, revoke;
API 4 (foreigners), API 5 (Vietnamese guests), API 12 (early check-out / extension); public catalogs.
Rules: arrival today or yesterday (Vietnam dates); expected departure ≥ arrival and ≥ yesterday;
CCCD/căn cước 12 digits, CMND 9 or 12, passport ≤ 10 alphanumerics; a document still staying (not
checked out) is rejected; a stay overlapping an earlier declaration of the same document is rejected;
foreigners' visa term ≥ today. A batch is all-or-nothing; errors are ``Bản khai báo N: …``.

Simulation-only endpoints (the real system's equivalents are its web screens, UNCONFIRMED as APIs):
``POST /sim/import-xlsx`` imports the Vietnamese-guest workbook like the KBTT web import, answering
"import thành công" even when it recognised zero rows (wrong sheet, data not from row 5); and ``GET
/sim/declarations?day=YYYY-MM-DD`` lists the ``(loaiGiayTo, soGiayTo)`` declared for an arrival day, for
reconciliation tests.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from openpyxl import load_workbook

from wire.zones import VIETNAM as VN

SHEET = "DS_KHACH_VIET_NAM_LUU_TRU"


@dataclass
class Stay:
    doc_type: str
    doc_number: str
    arrival: datetime
    departure: datetime
    checked_out: datetime | None = None


@dataclass
class PoliceSim:
    accounts: dict[str, str] = field(default_factory=dict)
    basic_auth: str = "Basic c2ltOnNpbQ=="
    now: datetime | None = None
    token_seconds: int = 3600
    stays: list[Stay] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)
    catalogs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def clock(self) -> datetime:
        return (self.now or datetime.now(VN)).astimezone(VN)

    # -- tokens ---------------------------------------------------------------------------------------------
    def issue(self, username: str) -> dict[str, Any]:
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        exp = time.time() + self.token_seconds
        self.tokens[access] = exp
        self.refresh[refresh] = username
        return {
            "AccessToken": access,
            "RefreshToken": refresh,
            "TokenType": "bearer",
            "Exp": int(exp),
            "Authorities": ["kbtt:create-3th", "CLIENT_API_CSLT"],
            "CsltId": "1000001",
            "MaTTCuaCslt": "101",
            "MaPxCuaCslt": "101900256",
            "IsCsltChinh": True,
        }

    def authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip()
        return self.tokens.get(token, 0) > time.time()

    # -- rules ----------------------------------------------------------------------------------------------
    def _document_error(self, doc_type: str, number: str) -> str | None:
        if doc_type in ("1", "8") and not re.fullmatch(r"\d{12}", number):
            return "Thẻ CCCD phải gồm đúng 12 chữ số"
        if doc_type == "2" and not re.fullmatch(r"\d{9}|\d{12}", number):
            return "CMND phải gồm 9 hoặc 12 chữ số"
        if doc_type == "4" and not re.fullmatch(r"[A-Za-z0-9]{1,10}", number):
            return "Số hộ chiếu tối đa 10 ký tự chữ và số"
        if not re.fullmatch(r"[A-Za-z0-9]{1,20}", number):
            return "Số giấy tờ không được chứa ký tự đặc biệt hoặc khoảng trắng"
        return None

    def _stay_error(
        self, doc_type: str, number: str, arrival: datetime, departure: datetime, batch: list[Stay]
    ) -> str | None:
        today = self.clock().date()
        if arrival.date() not in (today, today - timedelta(days=1)):
            return "Ngày đến Cslt phải là ngày hiện tại hoặc hôm qua"
        if departure < arrival:
            return "Ngày đi dự kiến phải lớn hơn hoặc bằng ngày đến"
        if departure.date() < today - timedelta(days=1):
            return "Ngày đi dự kiến phải lớn hoặc bằng ngày hôm qua"
        for stay in [*self.stays, *batch]:
            if (stay.doc_type, stay.doc_number) != (doc_type, number):
                continue
            if stay.checked_out is None:
                return "Số giấy tờ đang tạm trú tại CSLT và chưa checkout"
            if arrival < stay.checked_out and stay.arrival < departure:
                return "Đã tồn tại khai báo trùng thời gian tại CSLT"
        return None

    def declare(self, entries: Any, *, foreign: bool) -> tuple[int, dict[str, Any]]:
        if not isinstance(entries, list) or not entries:
            return 400, {"code": "400", "message": "Dữ liệu phải là mảng JSON", "data": None}
        batch: list[Stay] = []
        for i, entry in enumerate(entries, start=1):
            error, stay = self._entry(entry, foreign, batch)
            if error:
                return 400, {"code": "400", "message": f"Bản khai báo {i}: {error}", "data": None}
            assert stay is not None
            batch.append(stay)
        self.stays.extend(batch)
        return 200, {"code": "200", "message": "Thành công", "data": None}

    def _entry(self, entry: Any, foreign: bool, batch: list[Stay]) -> tuple[str | None, Stay | None]:
        if not isinstance(entry, dict):
            return "Bản ghi không hợp lệ", None
        required = (
            [
                "hoTen",
                "quocTich",
                "soHoChieu",
                "gioiTinh",
                "loaiNgayThangNamSinh",
                "ngayThangNamSinhStr",
                "ngayDenCsltStr",
                "ngayDiDuKienStr",
                "thoiHanTamTruStr",
            ]
            if foreign
            else [
                "hoTen",
                "gioiTinh",
                "ngayThangNamSinhStr",
                "ngayDenCsltStr",
                "ngayDiDuKienStr",
                "lyDoCuTru",
                "loaiGiayTo",
                "soGiayTo",
            ]
        )
        for name in required:
            if entry.get(name) in (None, ""):
                return f"Thiếu trường {name}", None
        if entry["gioiTinh"] not in ("M", "F"):
            return "Giới tính phải là M hoặc F", None
        try:
            datetime.strptime(str(entry["ngayThangNamSinhStr"]), "%Y-%m-%d")
            arrival = datetime.strptime(str(entry["ngayDenCsltStr"]), "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=VN
            )
            departure = datetime.strptime(str(entry["ngayDiDuKienStr"]), "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=VN
            )
        except ValueError:
            return "Sai định dạng ngày", None
        if not foreign and str(entry["lyDoCuTru"]) == "20" and not entry.get("lyDoChiTiet"):
            return "Lý do khác phải nhập lý do chi tiết", None
        doc_type = "4" if foreign else str(entry["loaiGiayTo"])
        number = str(entry["soHoChieu"] if foreign else entry["soGiayTo"])
        if foreign:
            try:
                term = datetime.strptime(str(entry["thoiHanTamTruStr"]), "%Y-%m-%d %H:%M:%S").date()
            except ValueError:
                return "Sai định dạng thời hạn tạm trú", None
            if term < self.clock().date():
                return "Thời hạn tạm trú phải lớn hoặc bằng hôm nay", None
        error = self._document_error(doc_type, number) or self._stay_error(
            doc_type, number, arrival, departure, batch
        )
        return error, (None if error else Stay(doc_type, number, arrival, departure))

    def change(self, entries: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(entries, list) or not entries:
            return 400, {"code": "400", "message": "Dữ liệu phải là mảng JSON", "data": None}
        for i, entry in enumerate(entries, start=1):
            doc = (str(entry.get("loaiGiayTo")), str(entry.get("soGiayTo")))
            stay = next(
                (s for s in self.stays if (s.doc_type, s.doc_number) == doc and s.checked_out is None), None
            )
            if stay is None:
                return 400, {
                    "code": "400",
                    "message": f"Bản khai báo {i}: Không tìm thấy khách đang lưu trú",
                    "data": None,
                }
            if entry.get("loai") == "TS":
                stay.checked_out = self.clock()
            elif entry.get("loai") == "GH" and entry.get("thoiGianStr"):
                stay.departure = datetime.strptime(entry["thoiGianStr"], "%Y-%m-%d %H:%M:%S").replace(
                    tzinfo=VN
                )
            else:
                return 400, {
                    "code": "400",
                    "message": f"Bản khai báo {i}: loai phải là TS hoặc GH",
                    "data": None,
                }
        return 200, {"code": "200", "message": "Thành công", "data": None}

    def import_xlsx(self, content: bytes) -> dict[str, Any]:
        """Like the KBTT web import: rows from 5 of the data sheet; says success even with zero rows."""
        imported = 0
        try:
            wb = load_workbook(BytesIO(content), read_only=True)
            rows = list(wb[SHEET].iter_rows(min_row=5, values_only=True)) if SHEET in wb.sheetnames else []
        except Exception:  # a file the importer cannot read also "succeeds" with nothing imported
            rows = []
        for row in rows:
            cells = [str(c) if c is not None else "" for c in row[:19]]
            if len(cells) < 19 or not cells[1] or not cells[7]:
                continue
            try:
                arrival = datetime.strptime(cells[13], "%d/%m/%Y").replace(tzinfo=VN)
                departure = datetime.strptime(cells[14], "%d/%m/%Y").replace(hour=23, minute=59, tzinfo=VN)
            except ValueError:
                continue
            doc_type = cells[5].split(" - ")[0]
            if self._document_error(doc_type, cells[7]) or self._stay_error(
                doc_type, cells[7], arrival, departure, []
            ):
                continue
            self.stays.append(Stay(doc_type, cells[7], arrival, departure))
            imported += 1
        return {"code": "200", "message": "import thành công", "data": {"soBanGhi": imported}}

    def declared(self, day: date) -> list[dict[str, str]]:
        return [
            {"loaiGiayTo": s.doc_type, "soGiayTo": s.doc_number}
            for s in self.stays
            if s.arrival.date() == day
        ]


def _json(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def api_router(sim: PoliceSim) -> APIRouter:
    router = APIRouter()
    unauthorised = {"code": "401", "message": "Unauthorized", "data": None}

    @router.post("/authorization-service/oauth/token")
    async def token(request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if request.headers.get("authorization") != sim.basic_auth or form.get("grant-type") != "api_cslt":
            return _json(401, unauthorised)
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        if sim.accounts.get(username) != password:
            return _json(401, {"code": "401", "message": "Sai tên đăng nhập hoặc mật khẩu", "data": None})
        return _json(200, {"code": "200", "message": "Thành công", "data": sim.issue(username)})

    @router.post("/authorization-service/oauth/refresh-token")
    def refresh(refresh_token: str) -> JSONResponse:
        username = sim.refresh.pop(refresh_token, None)
        if username is None:
            return _json(401, unauthorised)
        return _json(200, {"code": "200", "message": "Thành công", "data": sim.issue(username)})

    @router.delete("/authorization-service/oauth/revoke")
    def revoke(access_token: str) -> JSONResponse:
        sim.tokens.pop(access_token, None)
        return _json(200, {"code": "200", "message": "Thành công", "data": None})

    async def declaration(request: Request, foreign: bool) -> JSONResponse:
        if not sim.authorised(request):
            return _json(401, unauthorised)
        try:
            body = await request.json()
        except ValueError:
            return _json(400, {"code": "400", "message": "Dữ liệu không phải JSON", "data": None})
        return _json(*sim.declare(body, foreign=foreign))

    @router.post("/client-service/kbtt-vn/kbtt-3th")
    async def vietnamese(request: Request) -> JSONResponse:
        return await declaration(request, False)

    @router.post("/client-service/kbtt/kbtt-3th")
    async def foreigners(request: Request) -> JSONResponse:
        return await declaration(request, True)

    @router.post("/client-service/kbtt-vn/kbtt-3th/doi-ngay-tra-phong")
    async def change(request: Request) -> JSONResponse:
        if not sim.authorised(request):
            return _json(401, unauthorised)
        return _json(*sim.change(await request.json()))

    @router.get("/cms-backend/public/{name:path}")
    def catalog(name: str) -> JSONResponse:
        items = sim.catalogs.get(name.removesuffix("/get-all").removesuffix("/3th"))
        if items is None:
            return _json(404, {"code": "404", "message": "Không có danh mục", "data": None})
        return _json(200, {"code": "200", "message": "Thành công", "data": items})

    @router.post("/sim/import-xlsx")
    async def import_xlsx(request: Request) -> JSONResponse:
        return _json(200, sim.import_xlsx(await request.body()))

    @router.get("/sim/declarations")
    def declarations(day: str) -> JSONResponse:
        return _json(
            200, {"code": "200", "message": "Thành công", "data": sim.declared(date.fromisoformat(day))}
        )

    return router


def build_app(sim: PoliceSim) -> FastAPI:
    app = FastAPI(title="Simulated police lodging system")
    app.include_router(api_router(sim))
    return app

"""Client for the establishments' lodging REST API ("HD_Tichhop-API-CSLT" v1.3/1.4).

NOT CONFIRMED OFFICIAL: the document is only seen in third-party repositories, so this client is used
only when the lodging profile sets ``cslt_api_enabled``. Token: ``POST
/authorization-service/oauth/token`` (form, fixed Basic client header); declarations are JSON arrays
with Bearer auth; replies are ``{code: "200"|"400", message, data}``. Dates in ``YYYY-MM-DD``, times
``YYYY-MM-DD HH:mm:ss`` in Vietnam time. Credentials and the Basic header are the establishment's, given
by the operator (never logged).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from kiosk.errors import KioskError
from kiosk.lodging.deadline import to_vietnam_time
from kiosk.lodging.guest import Guest

TOKEN_PATH = "/authorization-service/oauth/token"
REFRESH_PATH = "/authorization-service/oauth/refresh-token"
VN_PATH = "/client-service/kbtt-vn/kbtt-3th"
FOREIGN_PATH = "/client-service/kbtt/kbtt-3th"
CHANGE_PATH = "/client-service/kbtt-vn/kbtt-3th/doi-ngay-tra-phong"
CATALOG_PATHS = {
    "nationalities": "/cms-backend/public/dm-qt/3th/get-all",
    "provinces": "/cms-backend/public/dm-tinh-tp/get-all",
    "stay-reasons": "/cms-backend/public/ly-do-cu-tru/get-all",
    "document-types": "/cms-backend/public/loai-giay-to/get-all",
    "residence-kinds": "/cms-backend/public/noi-cu-tru/get-all",
}


class CsltError(KioskError):
    """The police system could not be reached or answered something unexpected (retry later)."""

    code = "cslt-unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The police lodging API is unavailable: {reason}",
            field=None,
            message_vi="Chưa gửi được thông báo lưu trú tới hệ thống của Công an; "
            "hệ thống sẽ thử lại. Nếu gần hết hạn, hãy khai báo thủ công.",
        )


class CsltRejectedError(KioskError):
    """The police system refused the declaration (business rule); ``police_message`` is its own text."""

    code = "cslt-rejected"

    def __init__(self, police_message: str) -> None:
        super().__init__(
            "The police lodging API rejected the declaration (see police_message)",
            field=None,
            message_vi=f"Hệ thống của Công an từ chối bản khai báo: {police_message}",
        )
        self.police_message = police_message

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "police_message": self.police_message}


def _stamp(iso: str) -> str:
    return to_vietnam_time(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M:%S")


def vietnamese_payload(guest: Guest) -> dict[str, Any]:
    """API 5 entry. The address is sent raw (``diaChi``); codes are optional and left out."""
    entry: dict[str, Any] = {
        "hoTen": guest.full_name,
        "gioiTinh": guest.sex,
        "ngayThangNamSinhStr": guest.date_of_birth,
        "ngayDenCsltStr": _stamp(guest.arrival),
        "ngayDiDuKienStr": _stamp(guest.expected_departure),
        "soPhong": guest.room,
        "lyDoCuTru": int(guest.reason),
        "loaiGiayTo": int(guest.document_type),
        "soGiayTo": guest.document_number,
    }
    if guest.phone:
        entry["soDienThoai"] = guest.phone
    if guest.residence:
        entry["noiCuTru"] = 1
        entry["diaChi"] = guest.residence
    if guest.reason == "20" and guest.reason_detail:
        entry["lyDoChiTiet"] = guest.reason_detail
    return entry


def foreign_payload(guest: Guest) -> dict[str, Any]:
    """API 4 entry (the visa term is required by the API)."""
    return {
        "hoTen": guest.full_name,
        "quocTich": guest.nationality,
        "soHoChieu": guest.document_number,
        "gioiTinh": guest.sex,
        "loaiNgayThangNamSinh": "D",
        "ngayThangNamSinhStr": guest.date_of_birth,
        "ngayDenCsltStr": _stamp(guest.arrival),
        "ngayDiDuKienStr": _stamp(guest.expected_departure),
        "soPhong": guest.room,
        "thoiHanTamTruStr": f"{guest.visa_expiry} 23:59:59" if guest.visa_expiry else None,
    }


@dataclass(frozen=True)
class CsltReply:
    code: str
    message: str
    data: Any


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    basic_auth: str  # the fixed "Basic …" client header of the API document


class CsltClient:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5, 30),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.session = session or requests.Session()
        self.timeout = timeout
        self.clock = clock
        self._token: dict[str, Any] | None = None

    def _reply(self, response: requests.Response) -> CsltReply:
        try:
            body = response.json()
        except ValueError:
            raise CsltError(f"HTTP {response.status_code}, not JSON") from None
        if not isinstance(body, dict) or "code" not in body:
            raise CsltError(f"HTTP {response.status_code}, no code")
        reply = CsltReply(str(body["code"]), str(body.get("message", "")), body.get("data"))
        if reply.code == "400":
            raise CsltRejectedError(reply.message)
        if reply.code != "200":
            raise CsltError(f"code {reply.code}")
        return reply

    def _post(self, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.post(self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise CsltError(type(exc).__name__) from None

    def token(self) -> str:
        """A valid access token: cached, refreshed a minute before ``Exp``, re-requested if refresh fails."""
        now = self.clock()
        if self._token and self._token["Exp"] - 60 > now:
            return str(self._token["AccessToken"])
        headers = {"Authorization": self.credentials.basic_auth}
        if self._token:
            response = self._post(
                REFRESH_PATH, params={"refresh_token": self._token["RefreshToken"]}, headers=headers
            )
            if response.status_code == 200:
                try:
                    self._token = self._reply(response).data
                    return str(self._token["AccessToken"]) if self._token else self.token()
                except KioskError:
                    self._token = None
        form = {
            "username": self.credentials.username,
            "password": self.credentials.password,
            "grant-type": "api_cslt",
        }
        response = self._post(TOKEN_PATH, data=form, headers=headers)
        if response.status_code in (401, 403):
            raise CsltError("the establishment's account was refused")
        data = self._reply(response).data
        if not isinstance(data, dict) or "AccessToken" not in data:
            raise CsltError("no access token in the answer")
        self._token = data
        return str(data["AccessToken"])

    def _declare(self, path: str, entries: list[dict[str, Any]]) -> CsltReply:
        response = self._post(path, json=entries, headers={"Authorization": f"Bearer {self.token()}"})
        if response.status_code == 401:
            self._token = None
            response = self._post(path, json=entries, headers={"Authorization": f"Bearer {self.token()}"})
        return self._reply(response)

    def declare_vietnamese(self, guests: Sequence[Guest]) -> CsltReply:
        return self._declare(VN_PATH, [vietnamese_payload(g) for g in guests])

    def declare_foreign(self, guests: Sequence[Guest]) -> CsltReply:
        return self._declare(FOREIGN_PATH, [foreign_payload(g) for g in guests])

    def change_departure(self, guest: Guest, *, extend_to: datetime | None = None) -> CsltReply:
        """API 12: early check-out (``TS``) when ``extend_to`` is None, else extension (``GH``)."""
        entry: dict[str, Any] = {
            "loai": "GH" if extend_to else "TS",
            "soGiayTo": guest.document_number,
            "loaiGiayTo": int(guest.document_type),
        }
        if extend_to is not None:
            entry["thoiGianStr"] = to_vietnam_time(extend_to).strftime("%Y-%m-%d %H:%M:%S")
        return self._declare(CHANGE_PATH, [entry])

    def catalog(self, name: str) -> list[dict[str, Any]]:
        """A public catalog (no token): ``stay-reasons``, ``document-types``, ``nationalities``..."""
        try:
            response = self.session.get(self.base_url + CATALOG_PATHS[name], timeout=self.timeout)
        except requests.RequestException as exc:
            raise CsltError(type(exc).__name__) from None
        data = self._reply(response).data
        return list(data) if isinstance(data, list) else []


def configured_client(settings: Mapping[str, Any]) -> CsltClient | None:
    """The police API client when the lodging profile enables it (``cslt_api_enabled``), ``None`` otherwise;
    the credentials come from ``KIOSK_CSLT_USERNAME``, ``KIOSK_CSLT_PASSWORD`` and ``KIOSK_CSLT_BASIC_AUTH``."""
    if not settings.get("cslt_api_enabled"):
        return None
    creds = Credentials(
        os.environ.get("KIOSK_CSLT_USERNAME", ""),
        os.environ.get("KIOSK_CSLT_PASSWORD", ""),
        os.environ.get("KIOSK_CSLT_BASIC_AUTH", ""),
    )
    return CsltClient(str(settings.get("cslt_api_url")), creds)

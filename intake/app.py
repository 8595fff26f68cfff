"""The intake HTTP service (FastAPI): device enrolment and signed submissions.

Run it with ``kiosk-intake serve``; uvicorn workers build the app with ``create_app`` from the environment.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from intake.async_store import submission_store
from intake.db import Store, now_iso
from intake.errors import IntakeError
from intake.fleet import backlog_by_establishment, kiosk_views, lodging_compliance, on_time_by_day, recent_days
from intake.keys import current_public_key, load_or_create_keys
from intake.migrations import prepare_schema
from intake.ratelimit import RateLimiter
from intake.settings import Settings
from intake.verify import Verifier, verify_heartbeat
from wire.http import ENROL_PATH, HEALTH_PATH, HEARTBEATS_PATH, JOSE_MEDIA_TYPE, SUBMISSIONS_PATH
from wire.json_input import JsonInputError, loads
from wire.keys import ALGORITHMS, KeyFormatError, key_from_jwk
from wire.zones import VIETNAM

SUBMISSION_MEDIA_TYPE = JOSE_MEDIA_TYPE
HEARTBEAT_MAX_BODY = 16 * 1024
ENROL_MAX_BODY = 16 * 1024  # a token, an algorithm name and a public JWK
CHART_DAYS = 14  # days drawn in the operator page's charts
COMPLIANCE_DAYS = 30  # lodging submissions received in this many days count on the operator page
OPERATOR_REALM = 'Basic realm="cccd-kiosk operator", charset="UTF-8"'


class EnrolRequest(BaseModel):
    token: str = Field(max_length=256)
    alg: str = Field(max_length=32)
    public_key: dict[str, Any]


class EnrolResponse(BaseModel):
    device: str
    encryption_key: dict[str, Any]


class ReceiptModel(BaseModel):
    sid: str
    received_at: str
    digest: str


class HeartbeatAnswer(BaseModel):
    device: str
    received_at: str
    stored: bool


class ErrorDetail(BaseModel):
    code: str
    field: str | None
    message: str
    message_vi: str


class ErrorModel(BaseModel):
    error: ErrorDetail


def _error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorModel} for status in statuses}


def prepare(settings: Settings) -> None:
    """Create the schema and the encryption keys once, before workers start."""
    settings.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    load_or_create_keys(settings.key_file)
    store = Store(settings.database_url, 1)
    try:
        prepare_schema(store.engine)  # a new database, or a check of its version (schema-outdated: migrate)
    finally:
        store.dispose()


def _error(exc: IntakeError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": exc.to_dict()}, status_code=exc.status, headers=headers)


async def _read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The body, refused past ``limit`` bytes (413) or ``timeout`` seconds (408: a client sending slowly)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise IntakeError("request body too large", code="body-too-large", status=413)
    chunks: list[bytes] = []
    size = 0
    try:
        with anyio.fail_after(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise IntakeError("request body too large", code="body-too-large", status=413)
                chunks.append(chunk)
    except ClientDisconnect as exc:  # the kiosk went away mid-request; it will retry with the same sid
        raise IntakeError("client disconnected", code="client-disconnected", status=400) from exc
    except TimeoutError as exc:
        raise IntakeError("the request body took too long", code="request-timeout", status=408) from exc
    return b"".join(chunks)


def _retry_later(message: str, wait: float) -> JSONResponse:
    return _error(IntakeError(message, code="rate-limited", status=429, message_vi="Quá nhiều yêu cầu, thử lại sau."),
                  headers={"Retry-After": str(max(1, math.ceil(wait)))})


def _client_address(request: Request) -> str:
    """The client's address (uvicorn takes it from X-Forwarded-For when nginx on loopback forwards it)."""
    return request.client.host if request.client else "unknown"


def _enrol_request(body: bytes) -> EnrolRequest:
    try:
        return EnrolRequest.model_validate(loads(body, "the enrolment request", max_depth=8))
    except JsonInputError as exc:
        raise IntakeError(exc.message, code="invalid-request", status=422) from None
    except ValidationError as exc:
        errors = exc.errors()
        field = ".".join(str(p) for p in errors[0]["loc"]) if errors else None
        raise IntakeError("invalid request", code="invalid-request", status=422, field=field or None) from None


def _require_media_type(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != SUBMISSION_MEDIA_TYPE:
        raise IntakeError(
            f"content type must be {SUBMISSION_MEDIA_TYPE}", code="unsupported-media-type", status=415
        )


def operator_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization`` header: ``Bearer TOKEN``, or HTTP Basic with the token as the password
    (any user name), which browsers ask for by themselves."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    store = Store(settings.database_url, settings.pool_size)
    keys = load_or_create_keys(settings.key_file)
    verifier = Verifier(store, keys, cache_seconds=settings.device_cache_seconds)
    limiter = RateLimiter(settings.rate, settings.burst)
    # per client address: enrolment (tokens must not be guessed) and the operator page (nor operator tokens)
    enrol_limiter = RateLimiter(settings.client_rate, settings.client_burst)
    operator_limiter = RateLimiter(settings.client_rate, settings.client_burst)
    submissions = submission_store(store, settings.pool_size)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # As many request threads as pooled connections: more threads only contend for the GIL and the pool.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.pool_size
        await submissions.open()
        try:
            yield
        finally:
            await submissions.close()
            store.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="cccd-kiosk intake",
        version="1.0",
        description="Receives signed, encrypted submissions from enrolled kiosks.",
        docs_url="/docs" if settings.docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs else None,
    )
    app.state.store = store

    @app.exception_handler(IntakeError)
    async def intake_error(_request: Request, exc: IntakeError) -> JSONResponse:
        return _error(exc)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        error = IntakeError(str(exc.detail), code=f"http-{exc.status_code}", status=exc.status_code)
        return _error(error, headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        field = ".".join(str(p) for p in errors[0]["loc"]) if errors else None
        return _error(IntakeError("invalid request", code="invalid-request", status=422, field=field))

    @app.get(HEALTH_PATH, summary="Liveness")
    def health() -> dict[str, bool]:
        return {"ok": True}

    def enrol_device(request: EnrolRequest) -> EnrolResponse:
        if request.alg not in ALGORITHMS:
            raise IntakeError("unsupported algorithm", code="unsupported-algorithm", status=422, field="alg")
        if "d" in request.public_key:
            raise IntakeError("a private key was sent", code="private-key-sent", status=422, field="public_key")
        try:
            key = key_from_jwk(request.public_key, request.alg)
        except KeyFormatError as exc:
            raise IntakeError(exc.message, code="invalid-public-key", status=422, field="public_key") from exc
        kid = str(key.thumbprint())
        try:
            store.enrol(request.token, kid, request.alg, dict(key.as_dict(private=False)))
        except SQLAlchemyError as exc:
            raise IntakeError("database unavailable", code="database", status=503) from exc
        return EnrolResponse(device=kid, encryption_key=current_public_key(keys))

    @app.post(
        ENROL_PATH,
        status_code=201,
        response_model=EnrolResponse,
        summary="Enrol a kiosk key",
        responses=_error_responses(403, 408, 413, 422, 429, 503),
        openapi_extra={
            # Read from the request directly, so that its size and nesting are bounded before it is parsed.
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": EnrolRequest.model_json_schema()}},
            },
        },
    )
    async def enrol(request: Request) -> Response:
        wait = enrol_limiter.acquire(_client_address(request))
        if wait > 0:
            return _retry_later("too many enrolment requests from this address", wait)
        enrolment = _enrol_request(await _read_body(request, ENROL_MAX_BODY, settings.client_timeout))
        answer = await run_in_threadpool(enrol_device, enrolment)
        return JSONResponse(answer.model_dump(), status_code=201)

    @app.post(
        SUBMISSIONS_PATH,
        summary="Submit a signed, encrypted submission",
        status_code=201,
        response_model=ReceiptModel,
        responses={
            200: {"model": ReceiptModel, "description": "Already received: the original receipt"},
            **_error_responses(400, 401, 403, 413, 415, 422, 429, 503),
        },
        openapi_extra={
            # Read from the request directly (no dependency injection on the hot path), documented here.
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "the submission's sid",
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    SUBMISSION_MEDIA_TYPE: {
                        "schema": {"type": "string", "description": "compact JWE of the compact JWS"}
                    }
                },
            },
        },
    )
    async def submit(request: Request) -> JSONResponse:
        idempotency_key = request.headers.get("idempotency-key")
        _require_media_type(request)
        body = await _read_body(request, settings.max_body, settings.client_timeout)
        # Decryption and verification are CPU work: on the event loop, as threads would only contend for the GIL
        # (several workers use several cores). The device lookups in `verify` reach the database only for a key
        # id not seen yet and to reread revocations; the insert does not block the loop (`intake.async_store`).
        verified = verifier.verify(body, idempotency_key)
        wait = limiter.acquire(verified.device)
        if wait > 0:
            return _retry_later("too many requests from this device", wait)
        receipt = await submissions.store(verified)
        return JSONResponse(receipt.to_dict(), status_code=201 if receipt.created else 200)

    @app.post(
        HEARTBEATS_PATH,
        summary="Record a kiosk's signed heartbeat (fleet health, no personal data)",
        response_model=HeartbeatAnswer,
        responses=_error_responses(400, 401, 403, 413, 415, 422, 503),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    SUBMISSION_MEDIA_TYPE: {
                        "schema": {"type": "string", "description": "compact JWS, typ kiosk-heartbeat+jws"}
                    }
                },
            },
        },
    )
    async def heartbeat(request: Request) -> JSONResponse:
        _require_media_type(request)
        body = await _read_body(request, HEARTBEAT_MAX_BODY, settings.client_timeout)
        verified = verify_heartbeat(verifier, body, datetime.now(UTC))
        received_at = now_iso()
        stored = await run_in_threadpool(
            store.record_heartbeat, verified.device, verified.sent_at, verified.payload, received_at
        )
        return JSONResponse({"device": verified.device, "received_at": received_at, "stored": stored})

    @app.get("/operator", summary="Operator page: kiosks and lodging compliance (HTML)", response_class=HTMLResponse,
             responses={401: {"description": "operator token required (HTTP Basic password or Bearer)"}})
    def operator(request: Request) -> Response:
        from intake.operator_page import render

        wait = operator_limiter.acquire(_client_address(request))
        if wait > 0:
            return _retry_later("too many operator page requests from this address", wait)
        token = operator_token(request.headers.get("authorization"))
        if token is None or not store.operator_token_valid(token):
            required = IntakeError(
                "operator token required (HTTP Basic password or Bearer)",
                code="operator-token-required",
                status=401,
                message_vi="Cần mã truy cập của người vận hành.",
            )
            return _error(required, headers={"WWW-Authenticate": OPERATOR_REALM})
        now = datetime.now(UTC)
        statuses = store.kiosk_statuses()
        since = (now - timedelta(days=COMPLIANCE_DAYS)).isoformat(timespec="microseconds").replace("+00:00", "Z")
        lodging = store.submissions(kind="lodging", since=since, with_blob=True)
        days = recent_days(now.astimezone(VIETNAM).date(), CHART_DAYS)
        page = render(
            kiosk_views(statuses, now, settings.stale_minutes),
            lodging_compliance(statuses, lodging),
            now,
            settings.stale_minutes,
            on_time=on_time_by_day(statuses, lodging, days),
            backlog=backlog_by_establishment(store.lodging_days(days[0].isoformat()), days),
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})

    return app

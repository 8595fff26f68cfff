"""Attacks and careless inputs against a real intake on loopback: each answer is a typed refusal, never a 500, and
no limit can be dodged (nesting, odd text, body size, request rate, idle connections, ids used as patterns)."""

from __future__ import annotations

import json
import os
import socket
import stat
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from joserfc import jws

from intake.app import ENROL_MAX_BODY
from intake.cli import main as intake_main
from intake.db import Store, operator_tokens
from intake.devserver import IntakeServer
from intake.migrations import prepare_schema
from intake.settings import Settings
from kiosk.device_key import load_or_create_device_key
from wire.envelope import HEARTBEAT_FIELDS as FIELDS
from wire.envelope import HEARTBEAT_JWS_TYPE as HEARTBEAT_TYPE
from wire.envelope import JWS_TYPE, encrypt, sign
from wire.http import HEARTBEATS_PATH as HEARTBEAT_PATH

from .test_cli_and_limits import intake_cli
from .test_submissions import Device, assert_refused, count, payload, post

DEEP = 1000


def nested(depth: int) -> str:
    """JSON text of objects nested ``depth`` deep (too deep for ``json.dumps`` to write)."""
    return '{"n":' * depth + '"leaf"' + "}" * depth


def with_deep_field(document: dict[str, Any], name: str) -> bytes:
    placeholder = "@@deep@@"
    return json.dumps({**document, name: placeholder}).replace(f'"{placeholder}"', nested(DEEP)).encode()


def raw_jws(key: Any, body: bytes, typ: str) -> str:
    """A validly signed JWS over ``body`` exactly (the kiosk's own ``sign`` refuses such payloads)."""
    return jws.serialize_compact({"alg": key.alg, "kid": key.kid, "typ": typ}, body, key.key, algorithms=[key.alg])


def test_a_signed_submission_nested_deep_is_refused_typed(intake: IntakeServer, device: Device) -> None:
    key, enrolment = device
    deep = with_deep_field(payload(key), "data")
    before = count(intake)
    assert_refused(post(intake, encrypt(raw_jws(key, deep, JWS_TYPE), enrolment.intake_key())), 422,
                   "malformed-payload")
    assert count(intake) == before


def test_a_signed_heartbeat_nested_deep_is_refused_typed(intake: IntakeServer, device: Device) -> None:
    key, _ = device
    beat = dict.fromkeys(FIELDS)
    beat.update(device=key.kid, sent_at=datetime.now(UTC).isoformat())
    signed = raw_jws(key, with_deep_field(beat, "outbox"), HEARTBEAT_TYPE)
    answer = requests.post(intake.url + HEARTBEAT_PATH, data=signed,
                           headers={"Content-Type": "application/jose"}, timeout=10)
    assert_refused(answer, 422, "malformed-payload")


def test_enrolment_nested_deep_is_refused_typed(intake: IntakeServer) -> None:
    body = '{"token": "t", "alg": "Ed25519", "public_key": ' + "[" * 4000 + "]" * 4000 + "}"
    answer = requests.post(intake.url + "/v1/devices", data=body, headers={"Content-Type": "application/json"},
                           timeout=10)
    assert_refused(answer, 422, "invalid-request")


def test_an_enrolment_token_with_a_lone_surrogate_is_refused(intake: IntakeServer, tmp_path: Path) -> None:
    key = load_or_create_device_key(tmp_path)
    body = json.dumps({"token": "\ud800", "alg": key.alg, "public_key": dict(key.key.as_dict(private=False))})
    answer = requests.post(intake.url + "/v1/devices", data=body, headers={"Content-Type": "application/json"},
                           timeout=10)
    assert_refused(answer, 422, "invalid-request")
    assert answer.json()["error"]["field"] == "token"


def test_an_enrolment_body_past_its_cap_is_refused_before_parsing(intake: IntakeServer) -> None:
    body = b'{"token": "' + b"x" * ENROL_MAX_BODY + b'"}'
    answer = requests.post(intake.url + "/v1/devices", data=body, headers={"Content-Type": "application/json"},
                           timeout=10)
    assert_refused(answer, 413, "body-too-large")


def test_operator_revoke_takes_an_exact_id_or_an_unambiguous_prefix(
    intake: IntakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = [intake.operator_token() for _ in range(3)]
    for pattern in ("________", "%%%%%%%%", "________________", "%"):
        code, answer = intake_cli(capsys, intake, "operator", "revoke", pattern)
        assert code == 2 and answer["error"]["code"] == "invalid-token-id", pattern
    store = intake.store()
    try:
        assert all(store.operator_token_valid(t) for t in tokens)
        ids = [row["id"] for row in store.list_operator_tokens() if row["revoked_at"] is None]
    finally:
        store.dispose()
    code, answer = intake_cli(capsys, intake, "operator", "revoke", ids[0])
    assert code == 0 and answer["revoked"] == ids[0]
    store = intake.store()
    try:
        still = [t for t in tokens if store.operator_token_valid(t)]
    finally:
        store.dispose()
    assert len(still) == len(tokens) - 1


def test_an_operator_id_prefix_shared_by_two_tokens_is_refused(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'intake.db'}")
    prepare_schema(store.engine)
    try:
        with store.engine.begin() as conn:
            for suffix in ("1", "2"):
                conn.execute(operator_tokens.insert().values(token_hash="abcdef12" + suffix * 56, label="x",
                                                             issued_at="2026", expires_at=time.time() + 60))
        with pytest.raises(Exception, match="several active tokens") as refused:
            store.revoke_operator_token("abcdef12")
        assert getattr(refused.value, "code", None) == "ambiguous-token-id"
        assert store.revoke_operator_token("abcdef121") == 1
    finally:
        store.dispose()


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An intake with production defaults except tight per-client limits and a short client timeout."""
    with IntakeServer(tmp_path_factory.mktemp("strict"), client_rate=0.01, client_burst=3,
                      client_timeout=1.0) as server:
        yield server


def test_enrolment_is_rate_limited_per_client(strict: IntakeServer) -> None:
    statuses = [requests.post(strict.url + "/v1/devices", json={"token": "guess", "alg": "Ed25519",
                                                                 "public_key": {}}, timeout=10)
                for _ in range(5)]
    assert [r.status_code for r in statuses[:3]] == [422, 422, 422]
    assert statuses[3].status_code == 429 and statuses[3].json()["error"]["code"] == "rate-limited"
    assert int(statuses[3].headers["Retry-After"]) >= 1


def test_the_operator_page_is_rate_limited_per_client(strict: IntakeServer) -> None:
    statuses = [requests.get(strict.url + "/operator", auth=("op", "wrong"), timeout=10).status_code
                for _ in range(5)]
    assert statuses[:3] == [401, 401, 401] and statuses[3:] == [429, 429]


def test_docs_and_schema_are_off_by_default(strict: IntakeServer) -> None:
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert requests.get(strict.url + path, timeout=10).status_code == 404
    assert Settings().docs is False


def test_an_idle_connection_is_closed_after_the_client_timeout(strict: IntakeServer) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", strict.port), timeout=10) as idle:
        assert idle.recv(1) == b""  # closed by the server
    assert time.monotonic() - started < 5


def test_a_slow_body_is_cut_off_with_a_typed_answer(strict: IntakeServer) -> None:
    with socket.create_connection(("127.0.0.1", strict.port), timeout=10) as slow:
        slow.sendall(b"POST /v1/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/jose\r\n"
                     b"Content-Length: 1000\r\n\r\nabc")
        answer = b""
        while b"request-timeout" not in answer and (chunk := slow.recv(4096)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408") and b"request-timeout" in answer


def test_the_default_body_limit_matches_the_nginx_site_and_the_docs() -> None:
    root = Path(__file__).resolve().parents[2]
    site = (root / "deploy" / "nginx" / "cccd-intake.conf").read_text()
    env = (root / "deploy" / "intake" / "intake.env").read_text()
    assert f"client_max_body_size {Settings.max_body // 1024}k;" in site
    assert f"INTAKE_MAX_BODY={Settings.max_body}\n" in env
    assert f"| `INTAKE_MAX_BODY` | `{Settings.max_body}` |" in (root / "docs" / "configuration.md").read_text()


def test_serve_help_states_the_default_body_limit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        intake_main(["serve", "--help"])
    assert f"default {Settings.max_body}" in capsys.readouterr().out


def test_a_submissions_export_is_private_whatever_the_umask(
    intake: IntakeServer, device: Device, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, enrolment = device
    assert post(intake, encrypt(sign(payload(key), key), enrolment.intake_key())).status_code == 201
    out = tmp_path / "export.jsonl"
    out.write_text("older, world-readable")
    out.chmod(0o644)
    previous = os.umask(0o022)
    try:
        code, exported = intake_cli(capsys, intake, "submissions", "export", f"--device={key.kid}", "--out", str(out))
    finally:
        os.umask(previous)
    assert code == 0 and exported["exported"] == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and "older" not in out.read_text()

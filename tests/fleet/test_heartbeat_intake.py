"""Heartbeats over real HTTP to a real intake (SQLite and PostgreSQL): verification, the replay window, storage of
the latest one per kiosk, the operator page's access control, and the ``kiosk heartbeat send`` command."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from cli.main import main as kiosk_main
from intake.cli import main as intake_main
from intake.devserver import IntakeServer
from kiosk.device_key import DeviceKey, load_or_create_device_key
from kiosk.heartbeat import Health, HeartbeatSender, build_heartbeat, sign_heartbeat
from tests.fleet.conftest import SetClock, enrolled
from wire.envelope import sign
from wire.http import HEARTBEATS_PATH


def beat(key: DeviceKey, intake: IntakeServer, at: datetime | None = None, profile: str = "clinic") -> Any:
    health = Health(profile, {"pending": 1, "quarantined": 0, "oldest_pending_age_seconds": 5, "alert": None,
                              "held": False}, reader="ok", camera="ok")
    clock = SetClock(at) if at is not None else None
    return HeartbeatSender(key, intake.url, lambda: health, clock=clock).send_once()


def stored(intake: IntakeServer, kid: str) -> dict[str, Any]:
    store = intake.store()
    try:
        return next(row for row in store.kiosk_statuses() if row["kid"] == kid)
    finally:
        store.dispose()


def post(intake: IntakeServer, body: str, content_type: str = "application/jose") -> requests.Response:
    return requests.post(intake.url + HEARTBEATS_PATH, data=body.encode(), headers={"Content-Type": content_type},
                         timeout=10)


def test_a_heartbeat_is_verified_and_stored_as_the_kiosks_latest(tmp_path: Path, intake: IntakeServer) -> None:
    key = enrolled(tmp_path, intake)
    answer = beat(key, intake)
    assert answer.ok and answer.status == 200
    assert answer.body["device"] == key.kid and answer.body["stored"] is True
    row = stored(intake, key.kid)
    assert row["payload"]["profile"] == "clinic" and row["payload"]["outbox"]["pending"] == 1
    assert row["received_at"] == answer.body["received_at"]


def test_the_replay_window_refuses_old_and_future_heartbeats(tmp_path: Path, intake: IntakeServer) -> None:
    key = enrolled(tmp_path, intake)
    now = datetime.now(UTC)
    old = beat(key, intake, now - timedelta(minutes=11))
    assert (old.status, old.body["error"]["code"], old.body["error"]["field"]) == (422, "heartbeat-too-old", "sent_at")
    ahead = beat(key, intake, now + timedelta(minutes=11))
    assert (ahead.status, ahead.body["error"]["code"]) == (422, "heartbeat-in-future")
    inside = beat(key, intake, now - timedelta(minutes=9))
    assert inside.ok and inside.body["stored"] is True
    assert beat(key, intake, now).body["stored"] is True
    replayed = beat(key, intake, now - timedelta(minutes=8))  # older than the stored one: answered, not stored
    assert replayed.ok and replayed.body["stored"] is False
    assert stored(intake, key.kid)["sent_at"].startswith(now.strftime("%Y-%m-%dT%H:%M:%S"))


def test_unknown_revoked_and_forged_heartbeats_are_refused(tmp_path: Path, intake: IntakeServer) -> None:
    (tmp_path / "stranger").mkdir()
    stranger = load_or_create_device_key(tmp_path / "stranger")
    assert beat(stranger, intake).body["error"]["code"] == "unknown-device"
    key = enrolled(tmp_path / "kiosk", intake)
    payload = build_heartbeat(key.kid, Health("clinic", {}), datetime.now(UTC))
    signed = sign_heartbeat(payload, key)
    assert post(intake, signed, "application/json").status_code == 415
    head, _body, signature = signed.split(".")
    forged = ".".join((head, base64.urlsafe_b64encode(json.dumps({**payload, "profile": "lodging"}).encode())
                       .decode().rstrip("="), signature))
    assert post(intake, forged).json()["error"]["code"] == "bad-signature"
    as_submission = sign(payload, key)  # a submission's token type is not a heartbeat
    assert post(intake, as_submission).json()["error"]["code"] == "bad-signature"
    other = sign_heartbeat({**payload, "device": stranger.kid}, key)
    assert post(intake, other).json()["error"]["code"] == "device-mismatch"
    assert post(intake, "not a jws").status_code == 400
    for field, value in (("profile", 5), ("establishment", "x" * 65), ("errors", "chip.unstable"), ("outbox", [])):
        odd = post(intake, sign_heartbeat({**payload, field: value}, key)).json()["error"]
        assert (odd["code"], odd["field"]) == ("invalid-field", field)
    store = intake.store()
    try:
        assert store.revoke(key.kid)
    finally:
        store.dispose()
    revoked = beat(key, intake)
    assert (revoked.status, revoked.body["error"]["code"]) == (403, "device-revoked")


def test_the_operator_page_needs_an_operator_token(tmp_path: Path, intake: IntakeServer) -> None:
    key = enrolled(tmp_path, intake)
    assert beat(key, intake).ok
    url = intake.url + "/operator"
    refused = requests.get(url, timeout=10)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic ")
    assert refused.json()["error"]["code"] == "operator-token-required"
    assert requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    token = intake.operator_token()
    page = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'data-kid="{key.kid}"' in page.text and "Tình trạng ki-ốt / Kiosk fleet" in page.text
    assert requests.get(url, auth=("any-name", token), timeout=10).status_code == 200


def run_cli(capsys: pytest.CaptureFixture[str], main: Callable[[list[str]], int], *args: str) -> tuple[int, Any]:
    """A console command in process: its exit code and its JSON output."""
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_the_heartbeat_and_operator_commands(
    tmp_path: Path, intake: IntakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    key = enrolled(tmp_path, intake)
    code, result = run_cli(capsys, kiosk_main, "heartbeat", "send", "--state-dir", str(tmp_path), "--profile",
                           "one-stop", "--simulate", "--establishment", "UBND-XA-01", "--json")
    assert code == 0
    assert result["ok"] is True and result["answer"]["device"] == key.kid
    assert result["heartbeat"]["devices"] == {"reader": "simulated", "camera": "simulated"}
    assert stored(intake, key.kid)["payload"]["establishment"] == "UBND-XA-01"
    common = ["--state-dir", str(intake.settings.state_dir)]
    common += ["--db", intake.settings.db_url] if intake.settings.db_url else []
    code, issued = run_cli(capsys, intake_main, "operator", "token", *common, "--label", "province")
    assert code == 0
    token = issued["token"]
    assert requests.get(intake.url + "/operator", auth=("op", token), timeout=10).status_code == 200
    _, listed = run_cli(capsys, intake_main, "operator", "list", *common)
    ids = [t["id"] for t in listed["tokens"] if t["label"] == "province"]
    assert len(ids) == 1 and token not in json.dumps(listed)
    code, _ = run_cli(capsys, intake_main, "operator", "revoke", ids[0], *common)
    assert code == 0
    assert requests.get(intake.url + "/operator", auth=("op", token), timeout=10).status_code == 401
    code, missing = run_cli(capsys, kiosk_main, "heartbeat", "send", "--state-dir", str(tmp_path / "none"), "--json")
    assert code == 2 and missing["error"]["code"] == "device-key"


def test_a_heartbeat_from_the_future_does_not_block_later_genuine_ones(tmp_path: Path, intake: IntakeServer) -> None:
    key = enrolled(tmp_path, intake)
    now = datetime.now(UTC)
    ahead = beat(key, intake, now + timedelta(minutes=9))  # inside the window: a kiosk clock running ahead
    assert ahead.ok and ahead.body["stored"] is True
    genuine = beat(key, intake, datetime.now(UTC))  # the clock corrected
    assert genuine.ok and genuine.body["stored"] is True
    assert stored(intake, key.kid)["sent_at"] < (now + timedelta(minutes=1)).isoformat()
    replayed = beat(key, intake, now - timedelta(minutes=5))  # older than the genuine one: still not stored
    assert replayed.ok and replayed.body["stored"] is False

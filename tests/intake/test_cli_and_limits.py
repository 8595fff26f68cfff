from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from intake.cli import main
from intake.db import new_token
from intake.devserver import IntakeServer
from intake.ratelimit import RateLimiter
from kiosk.device_key import DeviceKey
from kiosk.enrolment import Enrolment
from wire.envelope import encrypt, sign

from .test_submissions import payload, post


def intake_cli(capsys: pytest.CaptureFixture[str], server: IntakeServer, *argv: str) -> tuple[int, Any]:
    extra = ["--state-dir", str(server.settings.state_dir), "--json"]
    if server.settings.db_url:
        extra += ["--db", server.settings.db_url]
    code = main([*argv, *extra])
    lines = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(lines[-1]) if lines else None


def test_operators_list_export_and_revoke(
    intake: IntakeServer,
    device: tuple[DeviceKey, Enrolment],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key, enrolment = device
    code, token = intake_cli(capsys, intake, "device", "token")
    assert code == 0 and len(token["token"]) >= 32
    sent = payload(key, "clinic")
    assert post(intake, encrypt(sign(sent, key), enrolment.intake_key())).status_code == 201
    code, listed = intake_cli(capsys, intake, "submissions", "list", "--kind", "clinic", f"--device={key.kid}")
    assert code == 0 and [s["sid"] for s in listed["submissions"]] == [sent["sid"]]
    code, later = intake_cli(capsys, intake, "submissions", "list", "--since", "2999-01-01T00:00:00Z")
    assert later["count"] == 0
    out = tmp_path / "export.jsonl"
    code, exported = intake_cli(
        capsys, intake, "submissions", "export", f"--device={key.kid}", "--out", str(out)
    )
    [line] = out.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert (
        exported["exported"] == 1
        and record["data"] == sent["data"]
        and record["evidence"] == sent["evidence"]
    )
    code, devices = intake_cli(capsys, intake, "device", "list")
    assert key.kid in {d["kid"] for d in devices["devices"]}
    code, revoked = intake_cli(capsys, intake, "device", "revoke", key.kid)
    assert code == 0 and revoked["revoked"] == key.kid
    code, again = intake_cli(capsys, intake, "device", "revoke", key.kid)
    assert code == 2 and again["error"]["code"] == "unknown-device"


def test_rate_limiter_is_a_token_bucket_per_device() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3.0, clock=lambda: now[0])
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(0.5)
    assert limiter.acquire("b") == 0.0  # another device has its own bucket
    now[0] += 0.5
    assert limiter.acquire("a") == 0.0
    assert RateLimiter(rate=0, burst=0).acquire("a") == 0.0


def test_the_server_limits_each_device_and_says_when_to_retry(tmp_path: Path) -> None:
    from kiosk.device_key import load_or_create_device_key
    from kiosk.enrolment import enrol

    with IntakeServer(tmp_path / "intake", rate=0.5, burst=2) as server:
        key = load_or_create_device_key(tmp_path)
        enrolment = enrol(server.url, server.token(), key)
        answers = [post(server, encrypt(sign(payload(key), key), enrolment.intake_key())) for _ in range(3)]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert answers[2].json()["error"]["code"] == "rate-limited"
        assert 1 <= int(answers[2].headers["Retry-After"]) <= 2
        store = server.store()
        assert store.count() == 2
        store.dispose()


def test_key_rotation_keeps_queued_submissions_decryptable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.device_key import load_or_create_device_key
    from kiosk.enrolment import enrol

    server = IntakeServer(tmp_path / "intake")
    with server:
        key = load_or_create_device_key(tmp_path)
        before = enrol(server.url, server.token(), key)
        queued = [encrypt(sign(payload(key), key), before.intake_key()) for _ in range(2)]
        assert post(server, queued[0]).status_code == 201
    code, rotated = intake_cli(capsys, server, "keys", "rotate")
    assert code == 0 and rotated["current"]["kid"] != before.encryption_key["kid"]
    code, shown = intake_cli(capsys, server, "keys", "show")
    assert [k["kid"] for k in shown["keys"]] == [rotated["current"]["kid"], before.encryption_key["kid"]]
    assert all("d" not in k for k in shown["keys"])
    assert (server.settings.key_file.stat().st_mode & 0o777) == 0o600
    with server:
        assert post(server, queued[1]).status_code == 201  # encrypted to the old key before the rotation
        (tmp_path / "other").mkdir()
        other = load_or_create_device_key(tmp_path / "other")
        assert enrol(server.url, server.token(), other).encryption_key["kid"] == rotated["current"]["kid"]


def test_p256_intake_keys_from_before_x25519_keep_working(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An intake whose key file holds a P-256 key (the earlier default) still takes what kiosks queued to it,
    before and after a rotation, which puts an X25519 key first."""
    from joserfc.jwk import ECKey

    from kiosk.device_key import load_or_create_device_key
    from kiosk.enrolment import enrol

    state = tmp_path / "intake"
    state.mkdir(mode=0o700)
    old = ECKey.generate_key("P-256")
    record = {**old.as_dict(private=True), "kid": old.thumbprint()}
    (state / "encryption-keys.json").write_text(json.dumps({"keys": [record]}))
    (state / "encryption-keys.json").chmod(0o600)
    server = IntakeServer(state)
    with server:
        key = load_or_create_device_key(tmp_path)
        before = enrol(server.url, server.token(), key)
        assert before.encryption_key["crv"] == "P-256"
        queued = [encrypt(sign(payload(key), key), before.intake_key()) for _ in range(2)]
        assert post(server, queued[0]).status_code == 201
    code, rotated = intake_cli(capsys, server, "keys", "rotate")
    assert code == 0 and rotated["current"]["crv"] == "X25519"
    with server:
        assert post(server, queued[1]).status_code == 201
        after = enrol(server.url, server.token(), key)
        assert after.encryption_key["kid"] == rotated["current"]["kid"]
        assert post(server, encrypt(sign(payload(key), key), after.intake_key())).status_code == 201


def test_a_token_never_starts_with_a_dash_so_it_passes_as_a_command_line_argument(
        monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter(["-leading-dash", "_fine-token"])
    monkeypatch.setattr("intake.db.secrets.token_urlsafe", lambda _n: next(drawn))
    assert new_token() == "_fine-token"

from __future__ import annotations

import json
import logging
from pathlib import Path

import cv2
import numpy as np
import pytest
import segno

from cli.main import main
from cli.qr_samples import sample_card
from drivers.qr.pipeline import default_stages
from drivers.sim.card_image import card_frame
from kiosk.errors import KioskError
from kiosk.qr_payload import parse_qr_payload
from tests.qr.conftest import claimed_png

STAGES = {stage.name for stage in default_stages()}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, object]]]:
    code = main(["qr", "decode", *args, "--json"])
    lines = capsys.readouterr().out.splitlines()
    return code, [json.loads(line) for line in lines]


def test_decodes_card_images_to_identities(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cards = [sample_card(n) for n in (10, 11)]
    clean = tmp_path / "clean.png"
    cv2.imwrite(str(clean), cards[0].image[..., ::-1])
    photo = tmp_path / "photo.jpg"
    cv2.imwrite(str(photo), card_frame(cards[1], degradation="perspective", seed=1).image)
    code, objects = _run(capsys, str(clean), str(photo))
    assert code == 0
    assert [o["file"] for o in objects] == [str(clean), str(photo)]
    for obj, card in zip(objects, cards, strict=True):
        assert obj["ok"] is True
        assert obj["identity"] == parse_qr_payload(card.payload).to_dict()
        assert obj["decoder"] in STAGES
        assert isinstance(obj["ms"], float) and obj["ms"] > 0


def test_failures_are_typed_errors_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.png"
    segno.make_qr(b"https://example.org/menu").save(str(other), scale=6)
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 300), 230, np.uint8))
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello", encoding="utf-8")
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), sample_card(12).image[..., ::-1])
    with pytest.raises(KioskError) as parser_error:
        parse_qr_payload(b"https://example.org/menu")
    code, objects = _run(capsys, str(other), str(blank), str(not_image), str(good), str(tmp_path / "gone.png"))
    assert code == 1
    assert [o["ok"] for o in objects] == [False, False, False, True, False]
    codes = [o["error"]["code"] for o in objects if not o["ok"]]  # type: ignore[index]
    assert codes == [parser_error.value.code, "no-qr-found", "unreadable-image", "unreadable-image"]
    for obj in objects:
        if not obj["ok"]:
            assert set(obj) == {"file", "ok", "error"}
            assert set(obj["error"]) == {"code", "field", "message", "message_vi"}  # type: ignore[arg-type]


def test_single_backend_can_be_chosen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    card = sample_card(13)
    path = tmp_path / "card.png"
    cv2.imwrite(str(path), card.image[..., ::-1])
    code, objects = _run(capsys, str(path), "--decoder", "zbar-binary")
    assert code == 0 and objects[0]["decoder"] == "zbar-binary"
    assert objects[0]["identity"] == parse_qr_payload(card.payload).to_dict()


def test_personal_data_stays_out_of_logs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         caplog: pytest.LogCaptureFixture) -> None:
    card = sample_card(14)
    good = tmp_path / "card.png"
    cv2.imwrite(str(good), card.image[..., ::-1])
    corrupt = tmp_path / "corrupt.png"
    text = card.payload.decode("utf-8").replace("|", "/", 1)  # same personal data, invalid layout
    segno.make_qr(text.encode("utf-8"), mode="byte").save(str(corrupt), scale=6)
    caplog.set_level(logging.DEBUG)
    code = main(["-v", "qr", "decode", str(good), str(corrupt)])
    out = capsys.readouterr().out
    assert code == 1
    identity = parse_qr_payload(card.payload)
    assert identity.full_name and identity.full_name in out  # shown to the caller...
    for value in identity.personal_values():
        assert value not in caplog.text  # ...never logged


def test_a_batch_survives_oversized_and_broken_images(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "huge.png"
    claimed_png(huge, 12_000, 9_000)  # 108 MP: refused from the header, never allocated
    truncated = tmp_path / "truncated.jpg"
    _ok, encoded = cv2.imencode(".jpg", card_frame(sample_card(15), seed=2).image)
    truncated.write_bytes(encoded.tobytes()[:200])
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), sample_card(16).image[..., ::-1])
    code, objects = _run(capsys, str(huge), str(truncated), str(good))
    assert code == 1
    assert [o["ok"] for o in objects] == [False, False, True]
    errors = [o["error"] for o in objects[:2]]
    assert [e["code"] for e in errors] == ["image-too-large", "unreadable-image"]  # type: ignore[index]
    assert "108,000,000" in errors[0]["message"] and errors[0]["message_vi"]  # type: ignore[index]

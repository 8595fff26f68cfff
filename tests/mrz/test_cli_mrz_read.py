"""``kiosk mrz read IMAGE… --json``: one JSON line per file; a file that cannot be read never stops the batch."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from cli.main import main
from cli.mrz_samples import random_document
from drivers.mrz_ocr.reader import MAX_PIXELS
from drivers.sim.mrz_page import page_frame

pytestmark = pytest.mark.timeout(900)  # the glyph network may be trained on first use


def test_a_batch_reads_every_file_and_reports_each_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = random_document(np.random.default_rng(21), "td3")
    good = tmp_path / "passport.jpg"
    cv2.imwrite(str(good), page_frame(doc, degradation="clean", seed=21).image)
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((720, 1280, 3), 180, np.uint8))
    text = tmp_path / "notes.jpg"
    text.write_text("not an image", encoding="utf-8")
    huge = tmp_path / "huge.png"
    side = int(MAX_PIXELS**0.5) + 10
    Image.new("L", (side, side)).save(huge)
    missing = tmp_path / "missing.jpg"

    code = main(["mrz", "read", str(good), str(blank), str(text), str(huge), str(missing), "--json"])
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [o["file"] for o in objects] == [str(p) for p in (good, blank, text, huge, missing)]
    assert objects[0]["ok"] is True and objects[0]["lines"] == list(doc.lines)
    assert objects[0]["mrz"]["surname"] == doc.surname and objects[0]["format"] == "TD3"
    codes = [o["error"]["code"] for o in objects[1:]]
    assert codes == ["mrz-not-found", "invalid-image", "image-too-large", "invalid-image"]
    assert all(o["error"]["message_vi"] for o in objects[1:])

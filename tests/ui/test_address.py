"""The address question on the review screen, in the real app under Xvfb: a card with a former ward that was split
shows a touch list of at most six current wards ("… (cũ) → …"), nothing is picked until the person touches one,
and the submission carries the chosen ward with its official code and the data version."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from intake.devserver import IntakeServer
from kiosk.address.service import default_service
from kiosk.samples import sample_identity
from screens.review import ReviewScreen
from tests.ui.conftest import RunningKiosk
from tests.ui.test_workflows import done_typing, edit, finish_visit, scan_card

CARD = 16  # sample card whose address is "Tổ 5, Khu vực 2, Phường Trần Hưng Đạo, Thành phố Quy Nhơn, Tỉnh Bình Định"


@pytest.mark.ui
@pytest.mark.timeout(400)  # the address data loads in the background first (tens of seconds on a busy machine)
def test_ambiguous_address_touch_list(kiosk: Callable[..., RunningKiosk], intake: IntakeServer) -> None:
    assert "Phường Trần Hưng Đạo, Thành phố Quy Nhơn" in (sample_identity(CARD).residence or "")
    k = kiosk("clinic")
    # The kiosk loads the address data at start, while nobody is at it (the idle wipe would end a visit kept
    # waiting meanwhile): the visit starts once it is loaded.
    k.driver.wait_until(lambda: default_service().ready, 300, "the address data")
    assert default_service().load_error is None
    k.identity_n = CARD  # type: ignore[attr-defined]
    k.services.world.prepare(CARD, chip=True)
    k.driver.tap(k.app.screens["home"].procedure_button("clinic-checkin"))  # type: ignore[attr-defined]
    scan_card(k, CARD)
    review = k.app.screens["review"]
    assert isinstance(review, ReviewScreen)
    panel = review.address_panel
    waited = k.driver.wait_until(lambda: bool(panel.choice_buttons), 10, "the address candidates")
    assert waited < 5  # converted off the UI thread while the chip is read; shown at once on the review
    k.driver.pump(frames=3)
    texts = [b.text for b in panel.choice_buttons]
    assert 1 < len(texts) <= 6
    assert texts[0].startswith("Phường Quy Nhơn\n") and all("Gia Lai" in t for t in texts)
    shown = [w.text for w in k.driver.widgets() if hasattr(w, "text") and w.get_root_window() is not None]
    assert any("Phường Trần Hưng Đạo (cũ) " in text and "→" in text for text in shown)
    assert k.controller.address.answer is None  # the kiosk never picks silently
    k.shot("review-address")

    chosen = panel.choice_buttons[1]
    k.driver.tap(chosen)
    answer = k.controller.address.answer
    assert answer is not None and answer.answer == "picked" and answer.place is not None
    assert answer.place.commune.code == chosen.choice_code  # type: ignore[attr-defined]
    k.driver.pump(frames=3)
    assert not panel.choice_buttons and answer.text.startswith("Tổ 5, Khu vực 2, Phường Quy Nhơn")
    k.shot("review-address-answered")

    edit(k, "visit_reason", "Khams suwcs khoer")
    done_typing(k)
    payload = finish_visit(k, intake, {"visit_reason": "Khám sức khỏe"}, also_personal=(answer.text,))
    address = payload["data"]["address"]
    assert address["commune"] == answer.place.commune.to_dict() and address["province"]["code"] == "52"
    assert address["raw"] == sample_identity(CARD).residence and address["agreement"] == "ambiguous"
    assert "vietnam-address-converter 1.0.5" in address["data_version"]

from __future__ import annotations

import gc
import weakref

import pytest

from kiosk.samples import sample_identity
from kiosk.session import Outcome, Session, Step, TransitionError


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _outcome() -> Outcome:
    return Outcome(sid="0190-abc", receipt_code="ABCD-1234", delivered=True, receipt={})


def test_full_visit_goes_home_and_drops_data() -> None:
    s = Session(clock=FakeClock())
    steps: list[Step] = []
    s.subscribe(lambda _s, step: steps.append(step))
    s.start("lodging-guest")
    assert s.offer_identity(sample_identity(1).replace(source="qr"))
    s.set_value("room", "101")
    s.to_consent()
    s.accept()
    s.done(_outcome())
    assert s.outcome is not None and s.sessions_completed == 1
    s.finish()
    assert steps == [Step.SCAN, Step.REVIEW, Step.CONSENT, Step.DONE, Step.HOME]
    assert not s.holds_personal_data() and s.procedure_id is None


def test_chip_replaces_qr_but_qr_never_replaces_chip() -> None:
    s = Session(clock=FakeClock())
    s.start("ct01")
    qr = sample_identity(2).replace(source="qr")
    chip = sample_identity(2)
    assert s.offer_identity(qr) and s.step is Step.REVIEW
    assert s.offer_identity(chip) and s.identity is chip
    assert not s.offer_identity(qr) and s.identity is chip


def test_another_card_during_review_is_refused() -> None:
    s = Session(clock=FakeClock())
    s.start("ct01")
    s.offer_identity(sample_identity(3).replace(source="qr"))
    assert not s.offer_identity(sample_identity(4))
    assert s.identity is not None and s.identity.id_number == sample_identity(3).id_number


def test_decline_wipes_and_returns_home() -> None:
    s = Session(clock=FakeClock())
    s.start("clinic-checkin")
    s.offer_identity(sample_identity(5))
    s.offer_portrait(b"\xff\xd8jpeg")
    s.to_consent()
    s.decline()
    assert s.step is Step.HOME and not s.holds_personal_data()


def test_idle_expiry_wipes_only_after_timeout() -> None:
    clock = FakeClock()
    s = Session(clock=clock, idle_seconds=60)
    s.start("ct01")
    s.offer_identity(sample_identity(6))
    clock.now += 59
    assert not s.check_idle() and s.step is Step.REVIEW
    s.set_value("phone", "0912345678")  # activity restarts the countdown
    clock.now += 59
    assert not s.check_idle()
    clock.now += 1.5
    assert s.check_idle()
    assert s.step is Step.HOME and not s.holds_personal_data()


def test_home_never_expires() -> None:
    clock = FakeClock()
    s = Session(clock=clock)
    clock.now += 10_000
    assert not s.check_idle()


def test_wipe_releases_the_identity_object() -> None:
    s = Session(clock=FakeClock())
    s.start("ct01")
    identity = sample_identity(7)
    ref = weakref.ref(identity)
    s.offer_identity(identity)
    del identity
    s.wipe()
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("action", ["to_consent", "accept", "finish", "decline"])
def test_out_of_order_actions_are_typed_errors(action: str) -> None:
    s = Session(clock=FakeClock())
    with pytest.raises(TransitionError) as info:
        getattr(s, action)()
    assert info.value.code == "invalid-transition" and info.value.message_vi


def test_done_requires_consent() -> None:
    s = Session(clock=FakeClock())
    s.start("ct01")
    s.offer_identity(sample_identity(8))
    s.to_consent()
    with pytest.raises(TransitionError):
        s.done(_outcome())

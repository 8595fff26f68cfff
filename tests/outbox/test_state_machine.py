"""Property-based test of the outbox state machine (hypothesis): submit, deliver with any outcome, restart, retry.

Invariants: every saved sid is in exactly one place (pending, quarantined or acknowledged); what the sender is
offered is the oldest pending submission of each kind; acknowledgements per kind follow the order of saving; an
acknowledged submission never comes back.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import requests
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kiosk.outbox import Outbox
from kiosk.sender import RetryPolicy, Sender

KINDS = ("lodging", "clinic", "one-stop")
POLICY = RetryPolicy(startup_jitter=0)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float, stop: Any = None) -> bool:
        self.now += seconds
        return False


class Response:
    def __init__(self, status: int, body: Any, retry_after: str | None) -> None:
        self.status_code = status
        self.body = body
        self.headers = {"Retry-After": retry_after} if retry_after else {}

    def json(self) -> Any:
        return self.body


class Intake:
    """The intake as the sender sees it, answering with whatever the test chose."""

    def __init__(self) -> None:
        self.answer: Any = None
        self.received: list[str] = []

    def post(self, url: str, **kwargs: Any) -> Any:
        sid = kwargs["headers"]["Idempotency-Key"]
        if isinstance(self.answer, Exception):
            raise self.answer
        status, retry_after = self.answer
        if 200 <= status < 300:
            if sid not in self.received:
                self.received.append(sid)
            return Response(status, {"sid": sid, "digest": f"d-{sid}", "received_at": "t"}, None)
        return Response(status, {"error": {"code": f"c{status}"}}, retry_after)


def _sealer(payload: Any) -> tuple[str, str]:
    return f"blob-{payload['sid']}", f"d-{payload['sid']}"


ANSWERS = st.one_of(
    st.tuples(
        st.sampled_from([200, 201, 400, 401, 403, 408, 409, 413, 422, 425, 429, 500, 502, 503]),
        st.sampled_from([None, "1", "30", "garbage"]),
    ),
    st.sampled_from([requests.ConnectionError("refused"), requests.ReadTimeout("slow")]),
)


class OutboxMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="outbox-sm-"))
        self.clock = Clock()
        self.intake = Intake()
        # synchronous=NORMAL: this test is about the state machine; durability is the crash test's subject.
        self.outbox = Outbox(self.dir / "o.db", _sealer, clock=self.clock, synchronous="NORMAL")
        self.order: dict[str, list[str]] = {k: [] for k in KINDS}
        self.kind_of: dict[str, str] = {}
        self.quarantined: set[str] = set()
        self.ever_quarantined: set[str] = set()
        self.acked: list[str] = []

    def _sender(self) -> Sender:
        return Sender(
            self.outbox,
            "http://intake",
            clock=self.clock,
            policy=POLICY,
            session=self.intake,
            rng=random.Random(0),
        )  # type: ignore[arg-type]

    @rule(kind=st.sampled_from(KINDS))
    def submit(self, kind: str) -> None:
        saved = self.outbox.submit(kind, {"n": len(self.kind_of)}, {})
        self.order[kind].append(saved.sid)
        self.kind_of[saved.sid] = kind

    @precondition(lambda self: bool(self.outbox.heads()))
    @rule(answer=ANSWERS, wait=st.booleans())
    def deliver(self, answer: Any, wait: bool) -> None:
        self.intake.answer = answer
        sender = self._sender()
        head = sorted(self.outbox.heads(), key=lambda i: (i.next_attempt_at, i.seq))[0]
        if wait:
            self.clock.now = max(self.clock.now, head.next_attempt_at, self._open_until())
        before = len(self.intake.received)
        result = sender.step()
        assert result is not None
        if not sender.attempts:
            assert result > 0  # nothing due yet: the sender waits, it does not spin
            return
        attempt = sender.attempts[-1]
        assert attempt.sid == head.sid
        if attempt.outcome.value == "done":
            self.acked.append(head.sid)
            assert len(self.intake.received) == before + 1
        elif attempt.outcome.value == "quarantine":
            self.quarantined.add(head.sid)
            self.ever_quarantined.add(head.sid)
        else:
            assert attempt.delay > 0 or attempt.outcome.value == "retry"

    def _open_until(self) -> float:
        value = self.outbox.sender_state().get("open_until")
        return float(value) if value else 0.0

    @rule()
    def restart(self) -> None:
        self.outbox.close()
        self.outbox = Outbox(self.dir / "o.db", _sealer, clock=self.clock, synchronous="NORMAL")

    @precondition(lambda self: bool(self.quarantined))
    @rule()
    def operator_retry(self) -> None:
        assert self.outbox.retry() >= len(self.quarantined)
        self.quarantined.clear()

    @invariant()
    def every_sid_is_in_exactly_one_place(self) -> None:
        pending = {i["sid"] for i in self.outbox.items("pending", limit=10_000)}
        quarantined = {i["sid"] for i in self.outbox.items("quarantined", limit=10_000)}
        acked = {r["sid"] for r in self.outbox.receipts(limit=10_000)}
        assert quarantined == self.quarantined
        assert acked == set(self.acked)
        assert not (pending & quarantined) and not (pending & acked) and not (quarantined & acked)
        assert pending | quarantined | acked == set(self.kind_of)

    @invariant()
    def heads_are_the_oldest_pending_of_each_kind(self) -> None:
        gone = set(self.acked) | self.quarantined
        expected = {next((s for s in self.order[k] if s not in gone), None) for k in KINDS} - {None}
        assert {i.sid for i in self.outbox.heads()} == expected

    @invariant()
    def acknowledgements_follow_saving_order_per_kind(self) -> None:
        # A submission released from quarantine by an operator is delivered after later ones: excluded here.
        for kind in KINDS:
            acked = [s for s in self.acked if self.kind_of[s] == kind and s not in self.ever_quarantined]
            assert acked == [s for s in self.order[kind] if s in set(acked)]
        assert len(self.intake.received) == len(set(self.intake.received)) == len(self.acked)

    def teardown(self) -> None:
        self.outbox.close()
        shutil.rmtree(self.dir, ignore_errors=True)


OutboxMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
test_outbox_state_machine = OutboxMachine.TestCase

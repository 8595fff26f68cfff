"""The done step: sent or saved, the receipt code, the queue ticket (printed at once), printing the receipt and the
form (CT01) on request, off the UI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable

from kiosk.i18n import error_text
from kiosk.presenters.core import Core, ReceiptPrinter
from kiosk.session import Outcome
from kiosk.workflows.plugin import Document
from kiosk.workflows.submit import Submitted
from wire.errors import CodedError


class DonePresenter:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.submitted: Submitted | None = None
        self.printing = False
        self.print_result: str | None = None
        self.printed_ticket: str | None = None  # what the printer made of the last queue ticket (the twin: a file)

    def reset(self) -> None:
        self.submitted, self.printed_ticket, self.print_result = None, None, None

    @property
    def outcome(self) -> Outcome | None:
        """The visit's queued submission."""
        return self.core.session.outcome

    def documents(self) -> list[Document]:
        """What the person may print on request (the CT01 form)."""
        return list(self.submitted.documents) if self.submitted is not None else []

    def can_print(self) -> bool:
        return self.core.devices.printer is not None and not self.printing

    def delivered(self) -> bool:
        """Whether the intake acknowledged this visit's submission (polled by the done screen)."""
        outcome, outbox = self.core.session.outcome, self.core.outbox
        if outcome is None or outbox is None:
            return False
        if outcome.delivered:
            return True
        if any(r["sid"] == outcome.sid for r in outbox.receipts(limit=20)):
            self.core.session.outcome = Outcome(outcome.sid, outcome.receipt_code, True, outcome.receipt)
            return True
        return False

    def print_receipt(self) -> None:
        """Print the receipt off the UI thread; ``print_result`` holds the text to show."""
        outcome = self.core.session.outcome
        if outcome is not None:
            receipt = dict(outcome.receipt)
            self._print(lambda printer: printer.print_receipt(receipt), "done.printed")

    def print_ticket(self) -> None:
        """Print the visit's queue ticket slip (at once after saving, again on request)."""
        submitted, procedure = self.submitted, self.core.procedure
        if submitted is None or submitted.ticket is None:
            return
        ticket, issued_at = submitted.ticket, self.core.now()

        def job(printer: ReceiptPrinter) -> str:
            self.printed_ticket = printer.print_ticket(ticket, procedure, issued_at)
            return self.printed_ticket

        self._print(job, "done.printed_ticket")

    def print_document(self, name: str) -> None:
        """Print one of the visit's documents (the CT01 form) on request."""
        document = next((d for d in self.documents() if d.name == name), None)
        if document is not None:
            self._print(lambda printer: printer.print_document(document), "done.printed_document")

    def _print(self, job: Callable[[ReceiptPrinter], object], done_key: str) -> None:
        core, printer = self.core, self.core.devices.printer
        if printer is None or self.printing:
            return
        self.printing = True

        def work() -> None:
            try:
                job(printer)
                result = core.t(done_key)
            except CodedError as exc:
                result = error_text(exc)
            except OSError:
                result = core.t("error.printer")

            def finish() -> None:
                self.printing = False
                self.print_result = result
                core.changed()

            core.post(finish)

        threading.Thread(target=work, name="print", daemon=True).start()
        core.touch()
        core.changed()

    def finish(self) -> None:
        self.core.session.finish()
        self.core.changed()

"""From a complete form to a queued submission: the workflow's checks before consent (the clinic's card check, run
off the UI thread, its notices shown on the check screen), the personal-data notice, declining, and the one submit
(``kiosk.workflows.submit``)."""

from __future__ import annotations

import logging
import threading

from kiosk.errors import KioskError
from kiosk.i18n import tr
from kiosk.presenters.core import Core
from kiosk.presenters.done import DonePresenter
from kiosk.presenters.review import ReviewPresenter
from kiosk.session import Outcome, Step
from kiosk.workflows.plugin import Notice, Visit
from kiosk.workflows.submit import before_consent, start_visit, submit
from wire.errors import CodedError

log = logging.getLogger(__name__)


class ConsentPresenter:
    def __init__(self, core: Core, review: ReviewPresenter, done: DonePresenter) -> None:
        self.core = core
        self.review = review
        self.done = done
        self.visit: Visit | None = None  # from the complete form to the receipt
        self.checking = False  # the workflow's steps before consent are running

    def reset(self) -> None:
        self.visit = None
        self.checking = False

    def to_consent(self) -> None:
        """On from a complete form: to the workflow's steps before consent (run off the UI thread), or straight to
        consent when the workflow has none."""
        core, form = self.core, self.review.form()
        if form is None or not form.complete:
            return
        self.visit = visit = start_visit(core.registry, form, core.now(), core.profile_id)
        if not core.registry.plugin(visit.kind).has_steps_before_consent:
            core.session.to_consent()
            core.changed()
            return
        core.session.to_check()
        self.checking = True

        def work() -> None:
            before_consent(core.registry, visit, core.workflow)

            def finish() -> None:
                if self.visit is visit:
                    self.checking = False
                    core.changed()

            core.post(finish)

        threading.Thread(target=work, name="before-consent", daemon=True).start()
        core.changed()

    def notices(self) -> list[Notice]:
        """What the workflow's steps before consent found (the check screen)."""
        return list(self.visit.notices) if self.visit is not None and not self.checking else []

    def continue_to_consent(self) -> None:
        if self.core.session.step is Step.CHECK and not self.checking:
            self.core.session.to_consent()
            self.core.changed()

    def back_to_review(self) -> None:
        self.core.session.back_to_review()
        self.core.changed()

    def notice(self) -> tuple[str, str]:
        """(main, other language) text of the workflow's personal-data notice."""
        procedure = self.core.procedure
        if procedure is None:
            return "", ""
        vi = f"{procedure.consent_vi}\n\n{tr('consent.retention_text', 'vi')}"
        en = f"{procedure.consent_en}\n\n{tr('consent.retention_text', 'en')}"
        return (vi, en) if self.core.lang == "vi" else (en, vi)

    def decline(self) -> None:
        self.core.session.decline()
        self.core.changed()

    def submit(self) -> CodedError | None:
        """The person consented: queue the submission durably (the one submit road, ``kiosk.workflows.submit``);
        returns the error to show if it could not be saved."""
        core = self.core
        form = self.review.form()
        if self.visit is None and form is not None:
            self.visit = start_visit(core.registry, form, core.now(), core.profile_id)
        visit = self.visit
        if visit is None or core.outbox is None:
            return KioskError("no outbox", code="not-saved",
                              message_vi="Chưa lưu được hồ sơ. Vui lòng báo nhân viên.")
        try:
            core.session.accept()
            submitted = submit(core.registry, visit, core.outbox, core.workflow)
        except CodedError as exc:  # the form, the wire schema, signing or the queue: nothing was saved
            log.warning("submission not saved: %s", exc.code)
            core.report_error(exc.code)
            return exc
        self.done.submitted = submitted
        receipt = submitted.receipt
        core.session.done(Outcome(sid=submitted.sid, receipt_code=receipt["receipt_code"], delivered=False,
                                  receipt=receipt))
        if core.devices.wake_sender is not None:
            core.devices.wake_sender()
        if submitted.ticket is not None:
            self.done.print_ticket()  # a queue ticket is printed at once: the person takes it to the counter
        core.changed()
        return None

"""A worker disputes an entry of their record; the support desk's answer reaches them in their language."""

from __future__ import annotations

import pytest

from manpower.audit.models import AuditEvent
from manpower.identity.models import Role
from manpower.support.services import dispute_answer, dispute_open
from tests import factories as f
from tests.notifications.conftest import body_of, run_worker, subject_of, verified
from tests.permits.conftest import employer_world  # noqa: F401  (fixture)
from tests.permits.test_pipeline import issued_permit

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("language", "subject", "finding"), [
    ("en", "The support desk answered your dispute", "upheld: the entry was wrong"),
    ("ar", "ردّ مكتب الدعم على اعتراضك", "مقبول"),
])
def test_the_answer_to_a_dispute_reaches_the_worker(employer_world, channels, language, subject,  # noqa: F811
                                                     finding):
    permit = issued_permit(employer_world)
    worker = f.user(Role.WORKER, person_record=permit.person)
    verified(worker, phone="+96893000021", language=language)
    entry = AuditEvent.objects.filter(subject_person_id=permit.person_id).order_by("seq").first()
    dispute = dispute_open(actor=worker, event=entry, reason="I never asked for this")
    agent = f.user(Role.SUPPORT)
    dispute_answer(actor=agent, dispute=dispute, finding="upheld", answer="Corrected on the record.")
    run_worker()

    mails = [m for m in channels["smtp"].inbox.to(worker.email) if subject_of(m).startswith(subject)]
    assert len(mails) == 1
    assert dispute.number in subject_of(mails[0])
    body = body_of(mails[0])
    assert "Corrected on the record." in body and finding in body and "/me/activity/" in body
    texts = [m["body"] for m in channels["sms"].messages("+96893000021") if dispute.number in m["body"]]
    assert len(texts) == 1

"""Writes of the employer's pages: application drafts, saved at every step and submitted once."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.audit import services as audit
from manpower.core.errors import DomainError, InputErrors, NotFound, register_messages
from manpower.identity.authz import authorize
from manpower.identity.models import User
from manpower.permits import services as permit_services
from manpower.permits.inputs import parse_application
from manpower.permits.models import Application, ApplicationType
from manpower.portal.models import ApplicationDraft
from manpower.registry.models import Establishment

register_messages({
    "draft_already_submitted": _("This draft was submitted already: open the application to follow it."),
})

WORKER_FIELDS = ("passport_number", "passport_country", "nationality", "name_latin", "name_ar", "date_of_birth", "sex",
                 "passport_expires_on", "phone", "email")
# The steps of the form, in order, with the fields each asks for. Which steps a draft goes through depends on its type.
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "start": ("type", "cr_number"),
    "permit": ("permit_number",),
    "worker": WORKER_FIELDS,
    "job": ("occupation", "basic_wage"),
    "check": (),
}


def steps_for(application_type: str) -> list[str]:
    if application_type == ApplicationType.NEW_PERMIT:
        return ["start", "worker", "job", "check"]
    if application_type == ApplicationType.CANCELLATION:
        return ["start", "permit", "check"]
    return ["start", "permit", "job", "check"]


def submitted_fields(draft: ApplicationDraft) -> dict[str, str]:
    """The draft's answers that belong to its type, as ``parse_application`` reads them."""
    wanted = {name for step in steps_for(draft.type) for name in STEP_FIELDS[step]} - {"cr_number"}
    return {name: str(value) for name, value in draft.data.items() if name in wanted} | {"type": draft.type}


def _own(actor: User, draft: ApplicationDraft) -> None:
    if draft.user_id != actor.pk:
        raise NotFound()
    if draft.submitted_application_id is not None:
        raise DomainError("draft_already_submitted")


@transaction.atomic
def draft_start(*, actor: User, establishment: Establishment, application_type: str = ApplicationType.NEW_PERMIT,
                permit_number: str = "") -> ApplicationDraft:
    """A new draft for an establishment the actor may apply for; renewals etc. start with the permit filled in."""
    authorize(actor, "apply", establishment)
    if application_type not in ApplicationType.values:
        application_type = ApplicationType.NEW_PERMIT
    data: dict[str, str] = {"type": application_type, "cr_number": establishment.cr_number}
    if permit_number:
        data["permit_number"] = permit_number.strip().upper()
    return ApplicationDraft.objects.create(user=actor, establishment=establishment, type=application_type, data=data)


@transaction.atomic
def draft_save(*, actor: User, draft: ApplicationDraft, step: str, answers: dict[str, Any],
               establishment: Establishment | None = None) -> ApplicationDraft:
    """Keep the step's answers exactly as typed (valid or not), so nothing the user typed is ever lost."""
    _own(actor, draft)
    fields = STEP_FIELDS.get(step, ())
    data = dict(draft.data)
    for name in fields:
        if name in answers:
            data[name] = str(answers[name] if answers[name] is not None else "")[:500]
    if step == "start":
        application_type = data.get("type", draft.type)
        draft.type = application_type if application_type in ApplicationType.values else ApplicationType.NEW_PERMIT
        if establishment is not None:
            authorize(actor, "apply", establishment)
            draft.establishment = establishment
    draft.data = data
    draft.step = step
    draft.updated_at = timezone.now()
    draft.save(update_fields=["data", "type", "step", "establishment", "updated_at"])
    return draft


def draft_errors(draft: ApplicationDraft) -> list[DomainError]:
    """What the rules of input find wrong in the draft as it stands (empty when it can be submitted)."""
    try:
        parse_application(submitted_fields(draft))
    except InputErrors as errors:
        return list(errors.errors)
    return []


@transaction.atomic
def draft_submit(*, actor: User, draft: ApplicationDraft) -> Application:
    """Submit the draft as an application; submitting the same draft twice records one application."""
    draft = ApplicationDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.user_id != actor.pk:
        raise NotFound()
    if draft.submitted_application is not None:
        return draft.submitted_application
    if draft.establishment is None:
        raise DomainError("required", field="cr_number")
    data = parse_application(submitted_fields(draft))
    application = permit_services.application_submit(actor=actor, establishment=draft.establishment, data=data,
                                                     idempotency_key=f"draft:{draft.public_id}")
    draft.submitted_application = application
    draft.updated_at = timezone.now()
    draft.save(update_fields=["submitted_application", "updated_at"])
    return application


@transaction.atomic
def draft_discard(*, actor: User, draft: ApplicationDraft) -> None:
    _own(actor, draft)
    audit.record(actor, "application_draft.discarded", None, object_type="portal.applicationdraft",
                 object_id=str(draft.public_id))
    draft.delete()

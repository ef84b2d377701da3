"""Reads of contracts, filtered by what the actor may see."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from manpower.contracts.models import Contract, ContractVersion, Signature
from manpower.core.errors import NotFound
from manpower.identity.authz import establishment_ids
from manpower.identity.models import Role, User

MINISTRY = {Role.OFFICER, Role.ANALYST, Role.SUPPORT, Role.ADMIN}


def contracts_for(user: User) -> QuerySet[Contract]:
    queryset = Contract.objects.select_related("establishment", "person", "person__nationality", "registered_version",
                                               "permit")
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role in MINISTRY:
        return queryset
    if user.role == Role.EMPLOYER:
        return queryset.filter(establishment_id__in=establishment_ids(user) or [])
    if user.role == Role.WORKER and user.person_id:
        # A worker sees what was offered to them, not the employer's drafts of a first offer.
        return queryset.filter(person_id=user.person_id).filter(
            Q(status__in=[Contract.Status.REGISTERED, Contract.Status.ENDED])
            | Q(versions__sent_at__isnull=False)).distinct()
    return queryset.none()


def contract_get(user: User, number: str) -> Contract:
    contract = contracts_for(user).filter(number=(number or "").strip().upper()).first()
    if contract is None:
        raise NotFound(field="number")
    return contract


def versions_for(user: User, contract: Contract) -> list[ContractVersion]:
    """The history a party sees: every version, except that a worker does not see unsent drafts."""
    versions = contract.versions.select_related("occupation", "drafted_by").prefetch_related(
        "signatures__signer", "signatures__credential").order_by("seq")
    if user.role == Role.WORKER:
        versions = versions.exclude(state=ContractVersion.State.DRAFT).exclude(sent_at__isnull=True)
    return list(versions)


def has_registered_contract(person_id: int, establishment_id: int, on: date | None = None) -> bool:
    """Whether the worker has a registered contract with the employer in force on the day (for renewals)."""
    on = on or timezone.localdate()
    return Contract.objects.filter(
        person_id=person_id, establishment_id=establishment_id, status=Contract.Status.REGISTERED,
        registered_version__start_date__lte=on,
    ).filter(Q(registered_version__end_date__isnull=True) | Q(registered_version__end_date__gte=on)).exists()


def copy_on_record(sha256: str) -> tuple[Contract, ContractVersion, str] | None:
    """The contract version whose stored document is exactly this file, and at which stage."""
    signature = Signature.objects.select_related("version__contract").filter(document_sha256=sha256).first()
    if signature is None:
        return None
    version = signature.version
    stage = "signed_by_both" if version.signatures.count() == 2 and signature.role == Signature.Role.WORKER \
        else "signed_by_employer"
    return version.contract, version, stage

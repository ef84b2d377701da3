"""Employment contracts, their versions and signatures; signers' certificates and one-time codes.

A contract is the agreement between one establishment and one worker. Each offer is a version: the
employer drafts it, signs it (which sends it), and the worker signs, rejects or asks for a change. A
version both signed is registered; an amendment is a later version through the same loop. Versions
are never edited once sent: the history is the versions and their signatures.

Signers' credentials and one-time codes live here because the e-signature of contracts is their only
use so far; the keys themselves are sealed by ``manpower.identity.pki``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.registry.models import Employment, Establishment, Occupation, Person

MONEY: dict[str, Any] = {"max_digits": 10, "decimal_places": 3}


class Contract(models.Model):
    class Status(models.TextChoices):
        NEGOTIATING = "negotiating", _("being agreed")
        REGISTERED = "registered", _("registered")
        NOT_CONCLUDED = "not_concluded", _("not concluded")
        ENDED = "ended", _("ended")

    class EndReason(models.TextChoices):
        # The reasons the rule book knows (manpower.law.facts.EndReason).
        END_OF_CONTRACT = "end_of_contract", _("the fixed term expired")
        RESIGNATION = "resignation", _("the worker resigned")
        TERMINATION = "termination", _("the employer ended the contract with notice")
        MUTUAL_AGREEMENT = "mutual_agreement", _("ended by mutual agreement")
        DISMISSAL_ARTICLE_40 = "dismissal_article_40", _("dismissal for misconduct (Labour Law Art 40)")
        DEATH = "death", _("death of the worker")

    number = models.CharField(max_length=20, unique=True)
    establishment = models.ForeignKey(Establishment, on_delete=models.PROTECT, related_name="contracts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contracts")
    employment = models.ForeignKey(Employment, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts",
                                   help_text="For a worker already employed: the employment the contract is for.")
    application = models.ForeignKey("permits.Application", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="contracts", help_text="The permit application it was drafted from.")
    permit = models.ForeignKey("permits.Permit", null=True, blank=True, on_delete=models.PROTECT, related_name="contracts",
                               help_text="The worker's permit, linked when the contract is registered or the permit issued.")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.NEGOTIATING, db_index=True)
    registered_version = models.ForeignKey("ContractVersion", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+", help_text="The version in force.")
    registered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # End of service
    end_reason = models.CharField(max_length=24, choices=EndReason.choices, blank=True)
    last_working_day = models.DateField(null=True, blank=True)
    end_figures = models.JSONField(default=dict, blank=True,
                                   help_text="Gratuity and leave balance with their arithmetic, in both languages.")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["establishment", "status"], name="contract_by_establishment"),
            models.Index(fields=["person", "status"], name="contract_by_person"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def open_version(self) -> ContractVersion | None:
        """The version being agreed (a draft, an offer, or one the worker asked to change), if any."""
        return self.versions.filter(state__in=OPEN_STATES).order_by("-seq").first()

    @property
    def latest_version(self) -> ContractVersion | None:
        return self.versions.order_by("-seq").first()


class ContractVersion(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        OFFERED = "offered", _("sent — waiting for the worker")
        CHANGE_REQUESTED = "change_requested", _("the worker asked for a change")
        REJECTED = "rejected", _("rejected by the worker")
        WITHDRAWN = "withdrawn", _("withdrawn by the employer")
        LAPSED = "lapsed", _("offer ended without an answer")
        SIGNED = "signed", _("signed by both parties")
        SUPERSEDED = "superseded", _("replaced by a later version")

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("contract")
        AMENDMENT = "amendment", _("amendment")

    class Change(models.TextChoices):
        WAGE = "wage", _("wage change")
        OCCUPATION = "occupation", _("occupation change")
        EXTENSION = "extension", _("extension")
        OTHER = "other", _("other change")

    class Term(models.TextChoices):
        FIXED = "fixed", _("fixed term")
        INDEFINITE = "indefinite", _("indefinite term")

    class PayBasis(models.TextChoices):
        MONTHLY = "monthly", _("monthly")
        OTHER = "other", _("weekly, daily or by the piece")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="versions")
    seq = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ORIGINAL)
    change = models.CharField(max_length=10, choices=Change.choices, blank=True,
                              help_text="For an amendment: what it changes.")
    state = models.CharField(max_length=18, choices=State.choices, default=State.DRAFT, db_index=True)

    # The terms (Labour Law RD 53/2023, Art 36)
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="+")
    duties_ar = models.TextField(_("type of work and conditions (Arabic)"))
    duties_en = models.TextField(_("type of work and conditions (English)"), blank=True)
    workplace_ar = models.CharField(_("workplace address (Arabic)"), max_length=300)
    workplace_en = models.CharField(_("workplace address (English)"), max_length=300, blank=True)
    qualification = models.CharField(_("worker's qualification"), max_length=200, blank=True)
    residence = models.CharField(_("worker's residence in Oman"), max_length=200, blank=True)
    term = models.CharField(max_length=10, choices=Term.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    probation_days = models.PositiveSmallIntegerField(default=0)
    had_probation_before = models.BooleanField(default=False, help_text="Probation already served with this employer.")
    pay_basis = models.CharField(max_length=8, choices=PayBasis.choices, default=PayBasis.MONTHLY)
    basic_wage = models.DecimalField(**MONEY)
    housing_allowance = models.DecimalField(**MONEY, default=Decimal("0.000"))
    transport_allowance = models.DecimalField(**MONEY, default=Decimal("0.000"))
    other_allowances = models.DecimalField(**MONEY, default=Decimal("0.000"))
    bonuses_ar = models.TextField(blank=True)
    bonuses_en = models.TextField(blank=True)
    pay_day = models.PositiveSmallIntegerField(default=7, help_text="Wages are paid by this day of the following month.")
    daily_hours = models.DecimalField(max_digits=4, decimal_places=2)
    weekly_hours = models.DecimalField(max_digits=5, decimal_places=2)
    rest_days_per_week = models.PositiveSmallIntegerField()
    annual_leave_days = models.PositiveSmallIntegerField()
    notice_days = models.PositiveSmallIntegerField()
    non_renewal_notice_days = models.PositiveSmallIntegerField(null=True, blank=True)
    other_terms_ar = models.TextField(blank=True)
    other_terms_en = models.TextField(blank=True)

    # The law's check of these terms, as of the last time they were checked
    law_check = models.JSONField(default=dict, blank=True)

    # The loop
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True, help_text="The worker answers by this day (inclusive).")
    worker_comment = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(default=timezone.now)
    document = models.FileField(upload_to="contracts/", blank=True,
                                help_text="The PDF as it stands: with the employer's signature, then with both.")
    document_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["contract", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "seq"], name="contract_version_seq"),
            # One version being agreed at a time: two offers at once would leave the worker guessing.
            models.UniqueConstraint(fields=["contract"], name="one_open_version_per_contract",
                                    condition=models.Q(state__in=["draft", "offered", "change_requested"])),
            models.CheckConstraint(name="contract_version_end_after_start",
                                   condition=models.Q(end_date__isnull=True) | models.Q(end_date__gt=models.F("start_date"))),
            models.CheckConstraint(name="contract_version_wage_positive", condition=models.Q(basic_wage__gt=0)),
        ]
        indexes = [models.Index(fields=["state", "deadline"], name="contract_offers_due")]

    def __str__(self) -> str:
        return f"{self.contract.number} v{self.seq}"

    @property
    def total_allowances(self) -> Decimal:
        return self.housing_allowance + self.transport_allowance + self.other_allowances

    @property
    def gross_wage(self) -> Decimal:
        return self.basic_wage + self.total_allowances

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


OPEN_STATES = [ContractVersion.State.DRAFT, ContractVersion.State.OFFERED, ContractVersion.State.CHANGE_REQUESTED]


class SignerCredential(models.Model):
    """A verified signer's certificate, issued by the platform CA, and the sealed private key the platform
    holds for them (remote signing); the key is opened only by ``manpower.identity.pki`` to sign."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signer_credentials")
    common_name = models.CharField(max_length=200)
    subject_serial = models.CharField(max_length=80, help_text="The identity document the certificate names.")
    certificate_pem = models.TextField()
    serial = models.CharField(max_length=40, unique=True, help_text="Certificate serial number (hex).")
    sealed_key = models.BinaryField()
    kek_id = models.CharField(max_length=16, help_text="Which key-encryption key sealed the private key.")
    evidence = models.CharField(max_length=300, help_text="How the signer's identity was verified.")
    issued_at = models.DateTimeField(default=timezone.now)
    not_after = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user"], condition=models.Q(revoked_at__isnull=True),
                                               name="one_current_credential_per_signer")]

    def __str__(self) -> str:
        return f"{self.common_name} ({self.serial})"

    @property
    def key_context(self) -> str:
        """Bound to the sealed key, so a key copied onto another credential does not open."""
        return f"signer-credential:{self.user_id}:{self.serial}"


class Signature(models.Model):
    class Role(models.TextChoices):
        EMPLOYER = "employer", _("employer")
        WORKER = "worker", _("worker")

    version = models.ForeignKey(ContractVersion, on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField(max_length=8, choices=Role.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    credential = models.ForeignKey(SignerCredential, on_delete=models.PROTECT, related_name="signatures")
    field_name = models.CharField(max_length=40)
    signed_at = models.DateTimeField(default=timezone.now)
    timestamp = models.DateTimeField(null=True, blank=True, help_text="As certified by the time-stamping authority.")
    document_sha256 = models.CharField(max_length=64, help_text="The PDF with this signature applied.")

    class Meta:
        ordering = ["version", "signed_at"]
        constraints = [models.UniqueConstraint(fields=["version", "role"], name="one_signature_per_party")]

    def __str__(self) -> str:
        return f"{self.version} signed by the {self.role}"


class OneTimeCode(models.Model):
    """A six-digit code sent to a person's phone or e-mail; only its keyed hash is kept."""

    class Purpose(models.TextChoices):
        SIGN = "sign", _("authorise a signature")
        CLAIM = "claim", _("claim a worker account")

    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(ContractVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=100)
    channel = models.CharField(max_length=8, help_text="sms or email")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["purpose", "user", "version"], name="code_lookup")]

    def __str__(self) -> str:
        return f"{self.purpose} code #{self.pk}"


class CodeGuard(models.Model):
    """Wrong codes counted per signer and contract (or per person claiming); too many lock for a while."""

    scope = models.CharField(max_length=80, unique=True, help_text='e.g. "sign:contract:12:user:5" or "claim:person:7".')
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.scope

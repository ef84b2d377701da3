from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class Bilingual(models.Model):
    """A record named in Arabic and English; ``name`` follows the active language, falling back."""

    name_ar = models.CharField(_("name in Arabic"), max_length=300, blank=True)
    name_en = models.CharField(_("name in English"), max_length=300)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        if translation.get_language() == "ar" and self.name_ar:
            return self.name_ar
        return self.name_en or self.name_ar

    def __str__(self) -> str:
        return self.name


# --- Reference data (loaded by `manpower setup`, keyed by the source's code) -------------------------


class Country(Bilingual):
    code = models.CharField(max_length=2, primary_key=True)  # ISO 3166-1 alpha-2
    alpha3 = models.CharField(max_length=3, unique=True)
    numeric = models.CharField(max_length=3)
    nationality_en = models.CharField(max_length=120, blank=True)
    nationality_ar = models.CharField(max_length=120, blank=True)
    nationality_ar_unofficial = models.BooleanField(default=False)

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = "countries"

    @property
    def nationality(self) -> str:
        if translation.get_language() == "ar" and self.nationality_ar:
            return self.nationality_ar
        return self.nationality_en or self.name


class Governorate(Bilingual):
    code = models.PositiveSmallIntegerField(primary_key=True)  # Ministry of Interior region code
    iso_code = models.CharField(max_length=6, unique=True)

    class Meta:
        ordering = ["code"]


class Wilayat(Bilingual):
    code = models.PositiveSmallIntegerField(primary_key=True)  # Ministry of Interior wilayat code
    governorate = models.ForeignKey(Governorate, on_delete=models.PROTECT, related_name="wilayats")
    alt_names_en = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]


class Occupation(Bilingual):
    """An ISCO-08 group. Applications name a unit group (level 'unit', 4 digits)."""

    class Level(models.TextChoices):
        MAJOR = "major", _("major group")
        SUB_MAJOR = "sub_major", _("sub-major group")
        MINOR = "minor", _("minor group")
        UNIT = "unit", _("unit group")

    code = models.CharField(max_length=4, primary_key=True)
    level = models.CharField(max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    name_ar_unofficial = models.BooleanField(
        default=False, help_text="The Arabic title is the platform's own translation, to be reviewed."
    )
    esco_uri = models.URLField(blank=True)

    class Meta:
        ordering = ["code"]


class JobTitle(models.Model):
    """An ESCO occupation: the job titles people search for, each within one ISCO-08 unit group."""

    esco_uri = models.URLField(primary_key=True)
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="job_titles")
    title_en = models.CharField(max_length=300, db_index=True)
    alt_labels_en = models.TextField(blank=True)

    class Meta:
        ordering = ["title_en"]

    def __str__(self) -> str:
        return self.title_en


class Activity(Bilingual):
    """An ISIC Rev.4 section, division, group or class."""

    class Level(models.TextChoices):
        SECTION = "section", _("section")
        DIVISION = "division", _("division")
        GROUP = "group", _("group")
        CLASS = "class", _("class")

    code = models.CharField(max_length=4, primary_key=True)
    level = models.CharField(max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    section = models.CharField(max_length=1)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "activities"


class ReferenceLoad(models.Model):
    """Which version (content hash) of each reference file is in the database."""

    file = models.CharField(max_length=100, unique=True)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.file} ({self.rows})"


# --- The register -----------------------------------------------------------------------------------


class Establishment(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("company")
        NON_PROFIT = "non_profit", _("non-profit body")
        GOVERNMENT = "government", _("government body")
        INDIVIDUAL = "individual", _("individual employer of domestic workers")
        FARM = "farm", _("farm owner employing farm workers")
        CLUB = "club", _("sports or social club")
        PLACE_OF_WORSHIP = "place_of_worship", _("mosque, church or other place of worship")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        CLOSED = "closed", _("closed")

    class Size(models.TextChoices):
        MICRO = "micro", _("micro (1–5)")
        SMALL = "small", _("small (6–25)")
        MEDIUM = "medium", _("medium (26–99)")
        LARGE = "large", _("large (100 or more)")

    cr_number = models.CharField(_("commercial registration number"), max_length=8, unique=True)
    name_ar = models.CharField(_("name in Arabic"), max_length=300)
    name_en = models.CharField(_("name in English"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("main economic activity"))
    governorate = models.ForeignKey(Governorate, on_delete=models.PROTECT, related_name="+")
    wilayat = models.ForeignKey(Wilayat, on_delete=models.PROTECT, related_name="+")
    cr_issued_on = models.DateField(_("CR issue date"))
    cr_expires_on = models.DateField(_("CR expiry date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    size_class = models.CharField(_("size class"), max_length=8, choices=Size.choices, default=Size.SMALL)
    unpaid_dues_omr = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0.000"))
    wps_breach = models.BooleanField(_("wage protection breach"), default=False)
    services_suspended = models.BooleanField(
        _("ministry services suspended"), default=False,
        help_text="Set by the ministry when a decision suspends new permits for this establishment.")
    omanisation_target = models.DecimalField(
        _("Omanisation target (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text="A target prescribed for this establishment; empty means its sector's target.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cr_number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(cr_expires_on__gte=models.F("cr_issued_on")),
                                   name="establishment_cr_dates_in_order"),
            models.CheckConstraint(condition=models.Q(unpaid_dues_omr__gte=0), name="establishment_dues_not_negative"),
        ]

    @property
    def name(self) -> str:
        if translation.get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_ar

    def __str__(self) -> str:
        return f"{self.name} ({self.cr_number})"


class Person(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", _("female")
        MALE = "M", _("male")

    passport_number = models.CharField(_("passport number"), max_length=9)
    passport_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("passport issuing country"))
    passport_expires_on = models.DateField(_("passport expiry date"), null=True, blank=True)
    nationality = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("nationality"))
    name_ar = models.CharField(_("name in Arabic script"), max_length=300, blank=True)
    name_latin = models.CharField(_("name in Latin script, as in the passport"), max_length=300)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    civil_id = models.CharField(_("civil ID number"), max_length=9, null=True, blank=True, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True)
    medical_fitness = models.CharField(max_length=8, blank=True,
                                       choices=[("fit", _("fit")), ("unfit", _("unfit"))],
                                       help_text="As reported by the health authority; empty until reported.")
    abandonment_reported = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["passport_country", "passport_number"], name="person_unique_passport"),
        ]

    @property
    def is_omani(self) -> bool:
        return self.nationality_id == "OM"

    @property
    def name(self) -> str:
        if translation.get_language() == "ar" and self.name_ar:
            return self.name_ar
        return self.name_latin or self.name_ar

    def __str__(self) -> str:
        return self.name


class EmploymentQuerySet(models.QuerySet):
    def current(self, on=None) -> EmploymentQuerySet:
        on = on or timezone.localdate()
        return self.filter(start_date__lte=on).filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=on))


class Employment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments")
    establishment = models.ForeignKey(Establishment, on_delete=models.PROTECT, related_name="employments")
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    basic_wage_omr = models.DecimalField(max_digits=10, decimal_places=3)
    is_omani = models.BooleanField(default=False, help_text="Copied from the person's nationality for counting.")

    objects = EmploymentQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["establishment", "end_date"], name="employment_by_establishment")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                                   name="employment_dates_in_order"),
            models.CheckConstraint(condition=models.Q(basic_wage_omr__gte=0), name="employment_wage_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.establishment}"

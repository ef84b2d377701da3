from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.registry.models import Establishment, Person


class Role(models.TextChoices):
    EMPLOYER = "employer", _("employer representative")
    WORKER = "worker", _("worker")
    OFFICER = "officer", _("ministry officer")
    ANALYST = "analyst", _("policy analyst")
    SUPPORT = "support", _("support agent")
    ADMIN = "admin", _("administrator")


class EstablishmentPermission(models.TextChoices):
    APPLY = "apply", _("apply for, renew, transfer and cancel permits")
    SIGN = "sign", _("draft and sign contracts")
    PAY = "pay", _("pay fees")
    MANAGE_USERS = "manage_users", _("manage the establishment's users")
    VIEW = "view", _("view the establishment's records")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: by e-mail or by civil ID number, with a password (Argon2)."""

    email = models.EmailField(_("e-mail"), unique=True)
    civil_id = models.CharField(_("civil ID number"), max_length=9, unique=True, null=True, blank=True)
    full_name = models.CharField(_("full name"), max_length=300)
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    person = models.OneToOneField(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="user",
                                  help_text="For workers: the person record this account belongs to.")
    preferred_language = models.CharField(max_length=2, choices=[("ar", "العربية"), ("en", "English")], default="ar")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can open the administration site (administrators).")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(role="worker") | models.Q(person__isnull=False),
                                   name="worker_account_has_person"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_ministry(self) -> bool:
        return self.role in {Role.OFFICER, Role.ANALYST, Role.SUPPORT, Role.ADMIN}


class Membership(models.Model):
    """An employer representative acting for one establishment, with named permissions."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE, related_name="memberships")
    permissions = models.JSONField(default=list, help_text="Names from EstablishmentPermission.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "establishment"], name="membership_once")]

    def __str__(self) -> str:
        return f"{self.user} → {self.establishment}"

    def allows(self, permission: str) -> bool:
        return permission == EstablishmentPermission.VIEW or permission in self.permissions


class ApiToken(models.Model):
    """A bearer token for systems calling the API on a user's behalf. Only a hash of the secret is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the payroll system.")
    prefix = models.CharField(max_length=12, unique=True, help_text="The token's first characters, shown to tell tokens apart.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

"""Sign in with an e-mail address or a civil ID number, and a password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from manpower.identity.models import User
from manpower.registry.validators import normalise_digits


class EmailOrCivilIdBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> User | None:
        login = normalise_digits((username or kwargs.get("email") or "").strip())
        if not login or not password:
            return None
        lookup = {"civil_id": login} if login.isdigit() else {"email__iexact": login}
        user = User.objects.filter(**lookup).first()
        if user is None:
            User().set_password(password)  # same work whether or not the account exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

"""Domain errors: a stable code, the field it concerns, the values involved; words come from the catalogue.

The API returns ``{"code", "field", "message"}`` with the message in the caller's language; pages show
the same message next to the field and in the error summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Every code the platform can return, with its message. Placeholders are %(name)s, filled from params.
MESSAGES: dict[str, Promise] = {
    "required": _("This field is required."),
    "invalid_cr_number": _("Enter a commercial registration number of 7 or 8 digits, for example 1234567."),
    "invalid_civil_id": _("Enter a civil ID number of 8 or 9 digits, as printed on the ID card."),
    "invalid_passport_number": _(
        "Enter the passport number as printed: 6 to 9 Latin capital letters and digits, no spaces."
    ),
    "invalid_phone": _("Enter the phone number in international form, for example +968 9123 4567."),
    "invalid_oman_phone": _("An Omani number has 8 digits after +968 and starts with 2, 7 or 9."),
    "invalid_date": _("Enter a real date in the form YYYY-MM-DD."),
    "date_in_future": _("The date cannot be in the future."),
    "date_order": _("%(field)s must be after %(other)s."),
    "unknown_code": _("%(value)s is not a known %(list)s code."),
    "unknown_country": _("%(value)s is not a known country code (ISO 3166-1 alpha-2, e.g. IN)."),
    "unknown_occupation": _("%(value)s is not an ISCO-08 unit group code (4 digits, e.g. 7112)."),
    "unknown_activity": _("%(value)s is not an ISIC Rev.4 class code (4 digits, e.g. 4100)."),
    "unknown_wilayat": _("%(value)s is not a wilayat of the chosen governorate."),
    "wage_invalid": _("Enter the wage in Omani rials with at most 3 decimals, for example 325.500."),
    "amount_too_large": _("Enter an amount of at most %(maximum)s rials."),
    "too_long": _("Enter at most %(maximum)s characters; this has %(length)s."),
    "invalid_email": _("Enter an e-mail address such as name@example.om."),
    "not_permitted": _("You are not permitted to do this for this record."),
    "not_found": _("No such record, or you are not permitted to see it."),
    "method_not_allowed": _("This address does not accept %(method)s; it accepts %(allowed)s."),
    "malformed_file": _("%(file)s, line %(line)s: %(reason)s"),
    "too_many_rows": _("Send at most %(maximum)s rows at a time; this file has %(count)s."),
    "invalid": _("This value is not valid."),
    "control_character": _("Remove the control or text-direction characters: type the text as it is written."),
    "nul_character": _("Remove the NUL character (U+0000): no field may contain it."),
    "request_too_large": _("The request is larger than %(maximum)s: send fewer rows at a time."),
}


def register_messages(messages: Mapping[str, Promise]) -> None:
    """Apps add their own codes at import time; a code is defined once."""
    for code, message in messages.items():
        if code in MESSAGES and MESSAGES[code] != message:
            raise ValueError(f"message code {code!r} is defined twice")
        MESSAGES[code] = message


def render_message(code: str, params: Mapping[str, Any] | None = None, lang: str | None = None) -> str:
    template = MESSAGES.get(code)
    if template is None:
        return code
    with translation.override(lang) if lang else translation.override(translation.get_language()):
        text = str(template)
    try:
        return text % dict(params or {}) if params else text
    except (KeyError, ValueError, TypeError):
        return text


class DomainError(Exception):
    """A refusal the user can act on: the code is stable, the message is in the user's language."""

    status = 422

    def __init__(self, code: str, *, field: str | None = None, params: Mapping[str, Any] | None = None):
        self.code = code
        self.field = field
        self.params = dict(params or {})
        super().__init__(f"{code} ({field})" if field else code)

    def message(self, lang: str | None = None) -> str:
        return render_message(self.code, self.params, lang)

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "message": self.message(lang)}


class PermissionDenied(DomainError):
    status = 403

    def __init__(self, code: str = "not_permitted", **kwargs: Any) -> None:
        super().__init__(code, **kwargs)


class NotFound(DomainError):
    status = 404

    def __init__(self, code: str = "not_found", **kwargs: Any) -> None:
        super().__init__(code, **kwargs)


class InputErrors(Exception):
    """Several field errors at once, so a form or an API call can report them all."""

    status = 422

    def __init__(self, errors: list[DomainError]):
        self.errors = errors
        super().__init__(", ".join(str(error) for error in errors))

    def as_list(self, lang: str | None = None) -> list[dict[str, Any]]:
        return [error.as_dict(lang) for error in self.errors]

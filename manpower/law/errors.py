"""Errors of the rule book: each carries a code, the thing at fault and a message in Arabic and English."""

from __future__ import annotations

from typing import Any


class LawError(Exception):
    """Something the rule book cannot decide on: bad input or a date outside the law it knows."""

    code = "law_error"
    text_en = "The rule book cannot decide this case."
    text_ar = "لا يستطيع دليل القواعد البتّ في هذه الحالة."

    def __init__(self, code: str | None = None, *, en: str | None = None, ar: str | None = None,
                 **params: Any) -> None:
        self.code = code or self.code
        self.params = params
        self._en = en or self.text_en
        self._ar = ar or self.text_ar
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        template = self._ar if lang == "ar" else self._en
        return template.format(**{k: _show(v) for k, v in self.params.items()})

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, **{k: _show(v) for k, v in self.params.items()},
                "message": {"en": self.message("en"), "ar": self.message("ar")}}


class FactError(LawError):
    """A fact is missing, of the wrong type, unknown, or not in the reference lists."""

    def __init__(self, code: str, *, fact: str, expected: str, expected_ar: str, en: str, ar: str,
                 **params: Any) -> None:
        self.fact = fact
        self.expected = expected
        self.expected_ar = expected_ar
        super().__init__(code, en=en, ar=ar, fact=fact, expected=expected, expected_ar=expected_ar, **params)


class ParameterError(LawError):
    """A parameter was read for a date on which it has no value."""

    def __init__(self, code: str, *, parameter: str, on: Any, en: str, ar: str, **params: Any) -> None:
        self.parameter = parameter
        self.on = on
        super().__init__(code, en=en, ar=ar, parameter=parameter, on=on, **params)


class UnknownApplicationType(LawError):
    def __init__(self, application_type: str, known: tuple[str, ...]) -> None:
        super().__init__(
            "application_type_unknown",
            en="Unknown application type {application_type}; expected one of {known}.",
            ar="نوع الطلب {application_type} غير معروف؛ الأنواع المعروفة: {known}.",
            application_type=application_type, known=", ".join(known))


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v) for v in value)
    return str(value)

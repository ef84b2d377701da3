from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation


def portal(request: HttpRequest) -> dict[str, Any]:
    language = translation.get_language() or "ar"
    return {
        "LANG": language,
        "DIR": "rtl" if translation.get_language_bidi() else "ltr",
        "OTHER_LANGUAGE": "en" if language == "ar" else "ar",
    }

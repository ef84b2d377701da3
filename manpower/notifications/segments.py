"""How many SMS parts a text takes: GSM 03.38 (7-bit) fits 160 characters in one part and 153 in each part of a
longer message; anything outside it (Arabic) is sent as UCS-2, 70 characters in one part and 67 per part."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")  # each takes two septets (an escape, then the character)
PLACEHOLDER = re.compile(r"\(\(([a-z][a-z0-9_]*)\)\)")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" | "UCS-2"
    characters: int  # in the encoding's units (septets, or UTF-16 code units)
    segments: int
    per_segment: int


def sms_length(text: str) -> SmsLength:
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        units = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        return SmsLength(encoding, units, 1 if units else 0, single)
    return SmsLength(encoding, units, -(-units // multi), multi)


def placeholders(text: str) -> list[str]:
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def fill(text: str, values: Mapping[str, object]) -> str:
    """Replace each ((name)); a name without a value raises KeyError (the template and the event disagree)."""
    return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), text)

"""SMS encoding and segment counting (pure).

A message is sent in GSM-7 when every character is in the GSM 03.38 basic set or its extension
table (extension characters cost two septets); otherwise the whole message goes as UCS-2. One
curly quote, emoji or á/í/ó/ú is enough to switch, which roughly halves the characters per
segment and doubles the cost of a long text.
"""

from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True)
class SegmentInfo:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int
    non_gsm_characters: str  # the characters that forced UCS-2, in order of first use


def analyse(body: str) -> SegmentInfo:
    """Encoding, length in encoding units and number of segments of `body`."""
    non_gsm = "".join(
        dict.fromkeys(c for c in body if c not in GSM7_BASIC and c not in GSM7_EXTENSION)
    )
    if not non_gsm:
        costs = [2 if c in GSM7_EXTENSION else 1 for c in body]
        single, multi = GSM7_SINGLE, GSM7_MULTI
        encoding = Encoding.GSM7
    else:
        costs = [len(c.encode("utf-16-le")) // 2 for c in body]  # 2 outside the BMP
        single, multi = UCS2_SINGLE, UCS2_MULTI
        encoding = Encoding.UCS2
    units = sum(costs)
    return SegmentInfo(
        encoding=encoding,
        units=units,
        segments=1 if units <= single else _pack(costs, multi),
        non_gsm_characters=non_gsm,
    )


def _pack(costs: list[int], capacity: int) -> int:
    """Segments needed when a character (an escape pair, a surrogate pair) is never split."""
    segments, used = 1, 0
    for cost in costs:
        if used + cost > capacity:
            segments, used = segments + 1, 0
        used += cost
    return segments

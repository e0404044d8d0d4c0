"""SMS encoding and segment counts: GSM-7 160/153, UCS-2 70/67 (SMS.md "Text")."""

import pytest

from messaging.segments import Encoding, analyse

EMOJI = "😀"  # outside the BMP: a surrogate pair, two UTF-16 units


@pytest.mark.parametrize(
    ("body", "units", "segments"),
    [
        ("", 0, 1),
        ("a", 1, 1),
        ("a" * 160, 160, 1),  # fills one segment
        ("a" * 161, 161, 2),  # one over: concatenated, 153 per segment
        ("a" * 306, 306, 2),
        ("a" * 307, 307, 3),
        ("a" * 459, 459, 3),
        ("a" * 460, 460, 4),
        ("€" * 80, 160, 1),  # extension characters cost two septets
        ("€" * 81, 162, 2),
        ("{" * 80, 160, 1),
        ("a" * 159 + "{", 161, 2),
        ("a" * 158 + "]", 160, 1),
        ("^{}\\[~]|€", 18, 1),
        ("é" * 160, 160, 1),  # é and ñ are in the GSM-7 basic set
        ("ñ" * 161, 161, 2),
        ("Dolor: 7/10. ¿Qué? Ñandù @ £5", 29, 1),
    ],
)
def test_gsm7_units_and_segments(body: str, units: int, segments: int) -> None:
    info = analyse(body)

    assert info.encoding is Encoding.GSM7
    assert info.units == units
    assert info.segments == segments
    assert info.non_gsm_characters == ""


@pytest.mark.parametrize(
    ("body", "units", "segments"),
    [
        ("á", 1, 1),
        ("á" * 70, 70, 1),  # fills one segment
        ("á" * 71, 71, 2),  # one over: concatenated, 67 per segment
        ("á" * 134, 134, 2),
        ("á" * 135, 135, 3),
        ("’" + "a" * 69, 70, 1),
        ("’" + "a" * 70, 71, 2),
        (EMOJI, 2, 1),
        (EMOJI * 35, 70, 1),
        (EMOJI * 36, 72, 2),
        ("a" * 68 + EMOJI, 70, 1),
        ("a" * 69 + EMOJI, 71, 2),
        ("€" + "á", 2, 1),  # extension characters are single units in UCS-2
        pytest.param(
            "a" * 66 + EMOJI + "a" * 66,
            134,
            3,
        ),
    ],
)
def test_ucs2_units_and_segments(body: str, units: int, segments: int) -> None:
    info = analyse(body)

    assert info.encoding is Encoding.UCS2
    assert info.units == units
    assert info.segments == segments


def test_gsm7_extension_character_is_not_split_across_segments() -> None:
    # 152 septets, then "€" (ESC + e) does not fit in the 153rd: it starts segment 2.
    info = analyse("a" * 152 + "€" + "a" * 152)

    assert info.units == 306
    assert info.segments == 3


@pytest.mark.parametrize(
    ("body", "culprits"),
    [
        ("Don’t forget your walk", "’"),  # one curly apostrophe
        ("Great job " + EMOJI, EMOJI),
        ("Mañana: camina más", "á"),  # ñ is GSM-7, á is not
        ("“quoted”", "“”"),
        ("áíóú á", "áíóú"),  # each culprit once, in order of first use
        ("ú then á then ú", "úá"),
    ],
)
def test_non_gsm_characters_switch_the_whole_message_to_ucs2(body: str, culprits: str) -> None:
    info = analyse(body)

    assert info.encoding is Encoding.UCS2
    assert info.non_gsm_characters == culprits


def test_one_curly_apostrophe_halves_the_characters_per_segment() -> None:
    straight = analyse("Don't forget your walk today. " * 5)
    curly = analyse("Don’t forget your walk today. " * 5)

    assert (straight.encoding, straight.units, straight.segments) == (Encoding.GSM7, 150, 1)
    assert (curly.encoding, curly.units, curly.segments) == (Encoding.UCS2, 150, 3)

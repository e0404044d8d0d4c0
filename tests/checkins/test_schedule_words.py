"""Reading a patient's chosen time and days (en and es), and saying them back."""

from datetime import time

import pytest

from checkins.schedule_words import days_words, parse_days, parse_time, when_words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7pm", time(19)),
        ("7 pm", time(19)),
        ("7PM", time(19)),
        ("7 p.m.", time(19)),
        ("7:30 pm", time(19, 30)),
        ("7.30pm", time(19, 30)),
        ("8am", time(8)),
        ("12pm", time(12)),
        ("12am", time(0)),
        ("noon", time(12)),
        ("19:00", time(19)),
        ("19.30", time(19, 30)),
        ("1900", time(19)),
        ("19h", time(19)),
        ("19 hs", time(19)),
        ("19", time(19)),
        ("08:00", time(8)),
        ("at 7pm", time(19)),
        ("7 de la tarde", time(19)),
        ("7:30 de la tarde", time(19, 30)),
        ("1 de la tarde", time(13)),
        ("8 de la noche", time(20)),
        ("8 de la mañana", time(8)),
        ("8 DE LA MANANA", time(8)),
        ("12 del mediodía", time(12)),
        ("a las 7 de la tarde", time(19)),
        ("mediodia", time(12)),
    ],
)
def test_times_read(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "7",  # morning or evening? asked again, never guessed
        "7:30",
        "13pm",
        "0pm",
        "25:00",
        "19:60",
        "7:5pm",
        "3 de la noche",
        "10 de la tarde",
        "evening",
        "7pm or 8pm",
        "tarde",
    ],
)
def test_times_not_read(text: str) -> None:
    assert parse_time(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MON", (0,)),
        ("monday", (0,)),
        ("Mondays", (0,)),
        ("LUNES", (0,)),
        ("lun", (0,)),
        ("MON THU", (0, 3)),
        ("thu mon", (0, 3)),
        ("Mon, Wed, Fri", (0, 2, 4)),
        ("mon and thu", (0, 3)),
        ("on Tuesdays", (1,)),
        ("lunes y jueves", (0, 3)),
        ("los martes", (1,)),
        ("miércoles", (2,)),
        ("MIERCOLES", (2,)),
        ("sábado, domingo", (5, 6)),
        ("mon mon", (0,)),
    ],
)
def test_days_read(text: str, expected: tuple[int, ...]) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize("text", ["", "and", "MOON", "mon funday", "weekdays", "3"])
def test_days_not_read(text: str) -> None:
    assert parse_days(text) is None


@pytest.mark.parametrize(
    ("days", "at", "language", "expected"),
    [
        ((0,), time(19), "en", "Mondays at 7:00 pm"),
        ((0, 3), time(8, 30), "en", "Mondays and Thursdays at 8:30 am"),
        ((0, 2, 4), time(12), "en", "Mondays, Wednesdays and Fridays at 12:00 pm"),
        ((0,), time(19), "es", "los lunes a las 19:00"),
        ((2, 5), time(9), "es", "los miércoles y sábados a las 09:00"),
    ],
)
def test_a_schedule_in_words(days: tuple[int, ...], at: time, language: str, expected: str) -> None:
    assert when_words(days, at, language) == expected


def test_days_in_words_keep_the_order_given() -> None:
    assert days_words((3, 0), "en") == "Thursdays and Mondays"

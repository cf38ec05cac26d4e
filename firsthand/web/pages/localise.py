"""Numbers and dates as the reader's language writes them.

Persian readers get Persian digits and the Solar Hijri calendar (jdatetime,
a well-kept converter), everyone else Latin digits and the Gregorian
calendar. Only what the page displays is localised: keys, hashes and the
signed text itself are never touched.
"""

from __future__ import annotations

from datetime import datetime

import jdatetime

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_PERSIAN_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
_ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def digits(value: object, language: str) -> str:
    text = str(value)
    return text.translate(_PERSIAN_DIGITS) if language == "fa" else text


def number(value: int, language: str) -> str:
    if language == "fa":
        return digits(f"{value:,}".replace(",", "٬"), language)
    return f"{value:,}"


def date(moment: datetime, language: str, *, with_time: bool = False) -> str:
    """A date a reader of ``language`` reads at a glance; times are UTC and say so."""
    clock = f"{moment:%H:%M} UTC" if with_time else ""
    if language == "fa":
        solar = jdatetime.date.fromgregorian(date=moment.date())
        text = f"{solar.day} {_PERSIAN_MONTHS[solar.month - 1]} {solar.year}"
        return digits(f"{text}، {clock}" if clock else text, language)
    text = f"{moment.day} {_ENGLISH_MONTHS[moment.month - 1]} {moment.year}"
    return f"{text}, {clock}" if clock else text


# Month names for the other calendar of a printed proof (printable.py): a court in one country
# and a family in another read the same date.
_SOLAR_MONTHS_IN_LATIN = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)
_GREGORIAN_MONTHS_IN_PERSIAN = (
    "ژانویه",
    "فوریه",
    "مارس",
    "آوریل",
    "مه",
    "ژوئن",
    "ژوئیه",
    "اوت",
    "سپتامبر",
    "اکتبر",
    "نوامبر",
    "دسامبر",
)


def both_calendars(moment: datetime, language: str) -> tuple[str, str]:
    """(Solar Hijri, Gregorian) dates of ``moment`` (UTC), both written for ``language``."""
    solar = jdatetime.date.fromgregorian(date=moment.date())
    if language == "fa":
        return (
            digits(f"{solar.day} {_PERSIAN_MONTHS[solar.month - 1]} {solar.year}", language),
            digits(
                f"{moment.day} {_GREGORIAN_MONTHS_IN_PERSIAN[moment.month - 1]} {moment.year}",
                language,
            ),
        )
    return (
        f"{solar.day} {_SOLAR_MONTHS_IN_LATIN[solar.month - 1]} {solar.year}",
        f"{moment.day} {_ENGLISH_MONTHS[moment.month - 1]} {moment.year}",
    )

"""Dates that are not exact, in the Extended Date/Time Format (EDTF: ISO 8601-2 as profiled by
the Library of Congress), read with the ``edtf`` library.

A record's date is exact (``2019-06-20``, ``2019-06``, ``2019``: see
:class:`csto_kg.records.model.PartialDate`) or any other EDTF date the library reads:

* uncertain ``2018?``, approximate ``2018~``, both ``2018%``; on one part: ``2018?-04-26``
  (the year uncertain, the day stated);
* unspecified digits: ``201X``, ``2018-XX-06``, ``XXXX-12-06`` (a day whose year is not stated);
* intervals, with open or unknown ends: ``2019-04/2019-06``, ``../2025-08-29`` (on or before),
  ``2019-05-22/..`` (on or after);
* one of a set ``[2017-04-26, 2018-04-26]`` (also ``[..2018]``, ``[2017..2018]``), all of a set
  ``{2017, 2018}``.

Not taken: times of day, seasons (``2019-21``, whose months depend on the hemisphere: write the
months), years before 1 or after 9999.

For each date two bounds are worked out, the first and the last day it can mean (``None`` where
the date does not bound it: an open end, an unstated year). An uncertain or approximate part
widens them by the library's margins (one year for a year, one month for a month, one day for a
day; twice that for ``%``), so ``2018?`` runs from 2017-01-01 to 2019-12-31.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

# What an EDTF date of a record is written with: ASCII digits, X, the qualifiers, separators.
_CHARACTERS = re.compile(r"^[0-9X?~%\-/.\[\]{}, ]+\Z")
_QUALIFIERS = re.compile(r"[?~%]")
_DAY = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")

EXAMPLES = "2018?, 2018~, 201X, 2018-XX-06, ../2025-08-29, [2017-04-26, 2018-04-26]"


@dataclass(frozen=True)
class Reading:
    """One way a date can be read, for telling whether a day (or month, or year) is one of its
    values: a digit pattern (``2018-XX-06``; X is any digit), or the days from ``first`` to
    ``last`` (``None``: open)."""

    pattern: str | None = None
    first: str | None = None
    last: str | None = None
    example: str = ""  # a day, month or year it can be, as a file name would start ('' when none)

    def allows(self, day: str) -> bool:
        """Whether ``day`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, a real date) can be this date."""
        if self.pattern is not None:
            return all(p in ("X", c) for p, c in zip(self.pattern, day))
        first, last = span(day)
        return (self.first is None or self.first <= last) and (self.last is None or self.last >= first)


@dataclass(frozen=True)
class Edtf:
    """An EDTF date: its earliest and latest day (``None``: not bounded) and how it can be read."""

    text: str
    earliest: str | None
    latest: str | None
    readings: tuple[Reading, ...]

    def allows(self, day: str) -> bool:
        return any(reading.allows(day) for reading in self.readings)

    @property
    def example(self) -> str:
        """A day, month or year the date can be, as written (``2018`` for ``2018?`` or
        ``2018-XX-06``, ``2017-04-26`` for ``[2017-04-26, 2018-04-26]``); '' when the year is unknown."""
        return next((reading.example for reading in self.readings if reading.example), "")


def span(day: str) -> tuple[str, str]:
    """The first and last day of an exact date: ``2019`` -> (2019-01-01, 2019-12-31)."""
    if len(day) == 10:
        return day, day
    if len(day) == 7:
        year, month = int(day[:4]), int(day[5:7])
        return day + "-01", f"{day}-{days_in_month(year, month):02d}"
    return day + "-01-01", day + "-12-31"


def days_in_month(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


def is_day(text: str) -> bool:
    """Whether ``text`` is an exact date that exists (``2019-02-30`` does not)."""
    match = _DAY.match(text)
    if not match:
        return False
    if match.group(2) and not 1 <= int(match.group(2)) <= 12:
        return False
    if match.group(3):
        return 1 <= int(match.group(3)) <= days_in_month(int(match.group(1)), int(match.group(2)))
    return True


@lru_cache(maxsize=4096)
def read(text: str) -> Edtf:
    """The EDTF date ``text``; ValueError saying why when it is not one a record can hold."""
    if not _CHARACTERS.match(text) or text != text.strip():
        raise ValueError("not an EDTF date")
    from edtf import parse_edtf  # noqa: PLC0415 - only dates that are not exact need it

    try:
        parsed = parse_edtf(text)
    except Exception:  # noqa: BLE001 - the library raises several kinds for what it cannot read
        raise ValueError("not an EDTF date") from None
    try:
        earliest, latest = _bounds(parsed)
        readings = tuple(_readings(parsed))
    except _NotTaken as err:
        raise ValueError(str(err)) from None
    except Exception:  # noqa: BLE001 - a day the month does not have, a digit pattern it cannot bound
        raise ValueError("not a date that exists") from None
    if earliest is not None and latest is not None and latest < earliest:
        raise ValueError("it ends before it begins")
    return Edtf(text, earliest, latest, readings)


class _NotTaken(Exception):
    pass


def _classes():
    from edtf.parser import parser_classes as c  # noqa: PLC0415

    return c


def _day(value) -> str:
    """A struct_time as an xsd:date lexical form; years outside 1..9999 are not taken."""
    year, month, day = value[:3]
    if not 1 <= year <= 9999:
        raise _NotTaken("a year outside 1-9999")
    return dt.date(year, month, day).isoformat()


def _open(obj) -> bool:
    return isinstance(obj, _classes().UnspecifiedIntervalSection)


def _members(obj) -> list:
    c = _classes()
    return list(obj.objects) if isinstance(obj, (c.OneOfASet, c.MultipleDates)) else [obj]


def _check_taken(obj) -> None:
    c = _classes()
    if isinstance(obj, c.DateAndTime):
        raise _NotTaken("a time of day; give the day")
    if isinstance(obj, c.LongYear):
        raise _NotTaken("a year outside 1-9999")
    if isinstance(obj, c.Season):
        raise _NotTaken("a season; give the months, e.g. 2019-03/2019-05")
    if str(obj).lstrip("[{").startswith("-"):
        raise _NotTaken("a year outside 1-9999")


def _unstated_year(obj) -> bool:
    return _QUALIFIERS.sub("", str(obj)).startswith("XXXX")


def _bounds(obj) -> tuple[str | None, str | None]:
    c = _classes()
    if _open(obj):
        return None, None
    if isinstance(obj, (c.OneOfASet, c.MultipleDates)):
        parts = [_bounds(member) for member in obj.objects]
        firsts, lasts = [p[0] for p in parts], [p[1] for p in parts]
        return (None if None in firsts else min(firsts)), (None if None in lasts else max(lasts))
    if isinstance(obj, c.Interval):
        return _bounds(obj.lower)[0], _bounds(obj.upper)[1]
    _check_taken(obj)
    if _unstated_year(obj):
        obj.lower_strict(), obj.upper_strict()  # still a date that exists
        return None, None
    return _day(obj.lower_fuzzy()), _day(obj.upper_fuzzy())


def _readings(obj) -> list[Reading]:
    c = _classes()
    found = []
    for member in _members(obj):
        if isinstance(member, c.Interval):
            first = None if _open(member.lower) else _day(member.lower.lower_strict())
            last = None if _open(member.upper) else _day(member.upper.upper_strict())
            ends = [_QUALIFIERS.sub("", str(end)) for end in (member.lower, member.upper) if not _open(end)]
            found.append(Reading(first=first, last=last, example=next((e for e in ends if is_day(e)), "")))
        elif "X" in str(member):
            pattern = _QUALIFIERS.sub("", str(member))
            month, day = pattern[5:7], pattern[8:10]
            if day.isdigit() and month.isdigit() and not is_day(f"2000-{month}-{day}"):  # 2000: a leap year
                raise _NotTaken("not a date that exists")
            known = pattern.split("X", 1)[0].rstrip("-")
            found.append(Reading(pattern=pattern, example=known if is_day(known) else ""))
        else:
            text = _QUALIFIERS.sub("", str(member))
            found.append(Reading(first=_day(member.lower_strict()), last=_day(member.upper_strict()),
                                 example=text if is_day(text) else ""))
    return found

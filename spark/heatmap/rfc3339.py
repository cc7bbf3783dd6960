"""RFC 3339 date-times in (section 5.6), ISO-8601 UTC times out, as SPEC 1 and SPEC 4 fix them.

Accepted: ``T``, ``t`` or a space between date and time, whole seconds, an optional fraction
(truncated to the millisecond), ``Z``/``z`` or ``+hh:mm``/``-hh:mm``. A leap second (second 60)
is refused, since epoch time cannot hold it. The rules and their order follow
src/event/rfc3339.ts character for character, so both engines accept the same strings.
"""

from __future__ import annotations

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MS_PER_DAY = 86_400_000

#: The largest epoch time, in ms, that a JavaScript Date holds (ECMA-262, section 21.4.1.1).
MAX_DATE_MS = 8_640_000_000_000_000


def _is_leap_year(year: int) -> bool:
    return (year % 4 == 0 and year % 100 != 0) or year % 400 == 0


def _digits(text: str, at: int, count: int) -> int:
    """The number written by ``count`` ASCII digits at ``at``, or -1 when one is not a digit."""
    n = 0
    for i in range(at, at + count):
        if i >= len(text) or not "0" <= text[i] <= "9":
            return -1
        n = n * 10 + ord(text[i]) - 48
    return n


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a date of the proleptic Gregorian calendar (any year)."""
    y = year - 1 if month <= 2 else year
    # Howard Hinnant's days_from_civil, written for C's division that truncates: Python's //
    # floors, so the era of a year before 0 needs no correction (with one, it came out an era
    # too low for some dates).
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def civil_from_days(days: int) -> tuple[int, int, int]:
    """The (year, month, day) of a count of days from 1970-01-01."""
    z = days + 719_468
    era = z // 146_097  # floor division, as in days_from_civil
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return (yoe + era * 400 + (1 if month <= 2 else 0), month, day)


def rfc3339_to_ms(text: str) -> int | None:
    """Parse an RFC 3339 date-time to epoch milliseconds in UTC.

    Parameters
    ----------
    text : str
        The date-time, e.g. ``2019-03-13T00:34:08-04:00``.

    Returns
    -------
    int or None
        Epoch milliseconds, any fraction beyond the millisecond truncated; None when ``text``
        is not a valid RFC 3339 date-time.
    """
    # Stage 1: the fixed part, yyyy-mm-ddThh:mm:ss.
    if len(text) < 20:
        return None
    if text[4] != "-" or text[7] != "-" or text[10] not in "Tt " or text[13] != ":":
        return None
    if text[16] != ":":
        return None
    year, month, day = _digits(text, 0, 4), _digits(text, 5, 2), _digits(text, 8, 2)
    hour, minute, second = _digits(text, 11, 2), _digits(text, 14, 2), _digits(text, 17, 2)
    if year < 0 or month < 1 or month > 12 or day < 1 or hour < 0 or hour > 23:
        return None
    if minute < 0 or minute > 59 or second < 0 or second > 59:
        return None
    month_days = 29 if month == 2 and _is_leap_year(year) else _DAYS_IN_MONTH[month - 1]
    if day > month_days:
        return None

    # Stage 2: the fraction; only its first three digits count (SPEC 1 truncates to the ms).
    at = 19
    millis = 0
    if text[at] == ".":
        at += 1
        start = at
        while at < len(text) and "0" <= text[at] <= "9":
            at += 1
        if at == start:
            return None
        for i in range(start, start + 3):
            millis = millis * 10 + (ord(text[i]) - 48 if i < at else 0)

    # Stage 3: the offset, Z or +hh:mm, ending the text.
    offset_minutes = 0
    zone = text[at] if at < len(text) else ""
    if zone in ("Z", "z"):
        if at + 1 != len(text):
            return None
    elif zone in ("+", "-"):
        if at + 6 != len(text) or text[at + 3] != ":":
            return None
        off_hours, off_minutes = _digits(text, at + 1, 2), _digits(text, at + 4, 2)
        if off_hours < 0 or off_hours > 23 or off_minutes < 0 or off_minutes > 59:
            return None
        offset_minutes = (-1 if zone == "-" else 1) * (off_hours * 60 + off_minutes)
    else:
        return None

    days = days_from_civil(year, month, day)
    ms = days * _MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis
    return ms - offset_minutes * 60_000


def ms_to_iso(ms: int) -> str:
    """Format epoch milliseconds as ISO-8601 UTC with milliseconds, e.g. ``2025-10-04T10:22:05.000Z``.

    Years outside 0..9999 are written as JavaScript's ``Date.prototype.toISOString`` writes them
    (a sign and six digits), so that such a time is refused by ``rfc3339_to_ms`` in both engines.
    """
    days, rest = divmod(int(ms), _MS_PER_DAY)
    year, month, day = civil_from_days(days)
    seconds, millis = divmod(rest, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    if 0 <= year <= 9999:
        year_text = f"{year:04d}"
    else:
        year_text = f"{'-' if year < 0 else '+'}{abs(year):06d}"
    return f"{year_text}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z"


def ts_from_unix_seconds(seconds: float) -> str | float:
    """Turn Unix seconds into the RFC 3339 ``ts`` of an event (src/sources/event-fields.ts).

    Parameters
    ----------
    seconds : float
        Unix time in seconds, perhaps with a fraction.

    Returns
    -------
    str or float
        The time as a string, the fraction beyond the millisecond cut toward zero as a
        JavaScript Date cuts it; the number itself when no date can hold it, so that validation
        rejects it as ``bad_timestamp`` instead of the source hiding it.
    """
    ms = seconds * 1000
    if abs(ms) > MAX_DATE_MS:
        return seconds
    return ms_to_iso(int(ms))

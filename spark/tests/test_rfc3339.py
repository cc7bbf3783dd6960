"""rfc3339_to_ms and ms_to_iso: the times SPEC 1 accepts and the form SPEC 4 prints."""

import pytest

from heatmap.rfc3339 import (
    civil_from_days,
    days_from_civil,
    ms_to_iso,
    rfc3339_to_ms,
    ts_from_unix_seconds,
)

BASE = 1759572000000  # 2025-10-04T10:00:00Z


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-10-04T10:00:00Z", BASE),
        ("2025-10-04t10:00:00z", BASE),
        ("2025-10-04 10:00:00Z", BASE),
        ("2025-10-04T06:00:00-04:00", BASE),
        ("2025-10-04T11:30:00+01:30", BASE),
        ("2025-10-04T10:00:00.1239Z", BASE + 123),
        ("2025-10-04T10:00:00.5Z", BASE + 500),
        ("2024-02-29T00:00:00Z", 1709164800000),
        ("1969-12-31T23:59:59.999Z", -1),
        ("0000-01-01T00:00:00Z", -62167219200000),
        # An offset can take a time of year 0 back into year -1 in UTC.
        ("0000-01-01T00:00:00+14:00", -62167269600000),
    ],
)
def test_accepts_rfc3339_times_and_normalises_them_to_utc_ms(text, expected):
    assert rfc3339_to_ms(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2025-10-04T10:00:60Z",  # a leap second
        "2025-10-04T10:00Z",  # no seconds
        "2025-10-04T10:00:00",  # no offset
        "2025-10-04T10:00:00.Z",  # an empty fraction
        "2025-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z",
        "2025-10-04T24:00:00Z",
        "2025-10-04T10:00:00+0400",
        "2025-10-04T10:00:00Z ",
        "1759572000",
        "",
    ],
)
def test_refuses_what_is_not_an_rfc3339_date_time(text):
    assert rfc3339_to_ms(text) is None


def test_prints_iso_utc_with_milliseconds():
    assert ms_to_iso(BASE + 5) == "2025-10-04T10:00:00.005Z"
    assert ms_to_iso(-1) == "1969-12-31T23:59:59.999Z"


def test_prints_years_beyond_9999_as_javascript_does():
    assert ms_to_iso(253402300800000) == "+010000-01-01T00:00:00.000Z"
    assert rfc3339_to_ms(ms_to_iso(253402300800000)) is None
    # Before year 0 (new Date(-62167269600000).toISOString() in Node.js).
    assert ms_to_iso(-62167269600000) == "-000001-12-31T10:00:00.000Z"
    assert ms_to_iso(-62198755200000) == "-000001-01-01T00:00:00.000Z"
    assert ms_to_iso(-62198755200001) == "-000002-12-31T23:59:59.999Z"


def test_days_and_dates_agree_across_eras_before_and_after_year_zero():
    # Four centuries (one era) either side of 0000-03-01, where the era of the algorithm turns.
    previous = civil_from_days(-719_468 - 146_097 - 1)
    for days in range(-719_468 - 146_097, -719_468 + 146_097):
        date = civil_from_days(days)
        assert days_from_civil(*date) == days
        assert date > previous
        previous = date
    assert civil_from_days(-719_468) == (0, 3, 1)
    assert civil_from_days(-719_469) == (0, 2, 29)  # year 0 is a leap year
    assert civil_from_days(-719_528) == (0, 1, 1)
    assert civil_from_days(-719_529) == (-1, 12, 31)


def test_turns_unix_seconds_into_a_ts_cutting_below_the_millisecond():
    assert ts_from_unix_seconds(1759572000.0019) == "2025-10-04T10:00:00.001Z"
    assert ts_from_unix_seconds(1e300) == 1e300

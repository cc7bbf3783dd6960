"""validate_message and validate_event: SPEC 1's reasons, in order, and repaired fields."""

import json

import pytest

from heatmap.validate_event import MAX_MESSAGE_BYTES, validate_event, validate_message

NOW = 1759579200000  # 2025-10-04T12:00:00Z
GOOD = {
    "provider": "mbta",
    "vehicleId": "y1",
    "lat": 42.36,
    "lon": -71.05,
    "ts": "2025-10-04T11:00:00Z",
}


def with_(**fields):
    event = dict(GOOD)
    for name, value in fields.items():
        if value is ...:
            event.pop(name)
        else:
            event[name] = value
    return event


def reason_of(message):
    text = message if isinstance(message, str) else json.dumps(message)
    return validate_message(text, NOW).reason


def test_accepts_a_valid_event_and_normalises_its_time():
    result = validate_message(json.dumps(GOOD), NOW)
    assert result.reason is None
    assert result.event.ts_ms == 1759575600000
    assert result.cleaned is None


@pytest.mark.parametrize(
    "message, reason",
    [
        ('{"label": "' + "x" * MAX_MESSAGE_BYTES + '"}', "too_large"),
        ('{"provider": "mbta"', "bad_json"),
        ("42", "bad_json"),
        ('{"lat": NaN}', "bad_json"),
        (with_(ts=...), "missing_field"),
        (with_(lat=None), "missing_field"),
        (with_(provider="MBTA"), "bad_field"),
        (with_(vehicleId=""), "bad_field"),
        (with_(vehicleId=17), "bad_field"),
        (with_(vehicleId="x" * 129), "bad_field"),
        (with_(lat="42.3"), "bad_field"),
        (with_(lat=True), "bad_field"),
        (with_(lat=95), "bad_coordinates"),
        (with_(lon=-180.01), "bad_coordinates"),
        (with_(lat=0, lon=0), "null_island"),
        (with_(ts="2025-10-04T10:00:60Z"), "bad_timestamp"),
        (with_(ts=1759575600), "bad_timestamp"),
        (with_(ts="2025-10-04T12:05:00.001Z"), "future_timestamp"),
        (with_(lat=200, ts="garbage"), "bad_coordinates"),
    ],
)
def test_rejects_with_the_first_failing_check_of_spec_1(message, reason):
    assert reason_of(message) == reason


def test_reads_a_lone_surrogate_in_a_vehicle_id_as_bad_field():
    assert (
        reason_of(
            '{"provider":"mbta","vehicleId":"\\ud800","lat":1,"lon":2,"ts":"2025-10-04T11:00:00Z"}'
        )
        == "bad_field"
    )


def test_counts_code_points_not_utf16_units_in_a_vehicle_id():
    assert validate_event(with_(vehicleId="\U0001f600" * 128), NOW).reason is None


def test_exactly_five_minutes_ahead_is_not_future():
    assert validate_event(with_(ts="2025-10-04T12:05:00Z"), NOW).reason is None


def test_repairs_optional_fields_that_break_their_rule():
    result = validate_event(with_(bearing=-1, speedKmh=-5, accuracyM=-2, label=17, onGround=1), NOW)
    assert result.reason is None
    assert result.cleaned == ["speedKmh", "bearing", "accuracyM", "onGround", "label"]
    event = result.event
    assert (event.speed_kmh, event.bearing, event.accuracy_m) == (None, None, None)
    assert event.extensions == {}


def test_turns_a_bearing_of_360_into_0_without_counting_a_fix():
    result = validate_event(with_(bearing=360, speedKmh=2000, accuracyM=0, altitudeM=12.5), NOW)
    assert result.cleaned is None
    assert (result.event.bearing, result.event.speed_kmh, result.event.accuracy_m) == (0, 2000, 0)
    assert result.event.extensions == {"altitudeM": 12.5}


def test_names_the_provider_of_a_rejected_event_when_it_is_a_string():
    result = validate_event(with_(lat=95), NOW)
    assert (result.reason, result.provider) == ("bad_coordinates", "mbta")

"""The documents the streaming job writes: the TypeScript Mongo store's layout (SPEC 7)."""

from datetime import UTC, datetime

from bson import decode, encode
from bson.datetime_ms import DatetimeMS

from heatmap.mongo_sink import (
    date_to_ms,
    dead_letter_document,
    dead_letter_id_of,
    open_client,
    position_document,
    tile_document,
)


def test_tile_document_has_bson_dates_and_a_geojson_centroid():
    doc = tile_document(
        {
            "provider": "mbta",
            "grid": "h3r8",
            "cellId": "882a306603fffff",
            "windowStartMs": 1759572000000,
            "windowEndMs": 1759572300000,
            "count": 3,
            "vehicles": 2,
            "speedSumKmh": 54.0,
            "speedSamples": 2,
            "avgSpeedKmh": 27.0,
            "centroid": (-71.06, 42.36),
            "staleAtMs": 1759575000000,
        }
    )
    assert doc["windowStart"] == datetime(2025, 10, 4, 10, 0, tzinfo=UTC)
    assert doc["staleAt"] == datetime(2025, 10, 4, 10, 50, tzinfo=UTC)
    assert doc["centroid"] == {"type": "Point", "coordinates": [-71.06, 42.36]}
    assert (doc["lon"], doc["lat"]) == (-71.06, 42.36)
    assert doc["_id"] == "mbta:h3r8:882a306603fffff:2025-10-04T10:00:00.000Z"
    assert sorted(doc) == sorted(
        [
            "_id",
            "provider",
            "grid",
            "cellId",
            "windowStart",
            "windowEnd",
            "count",
            "vehicles",
            "speedSumKmh",
            "speedSamples",
            "avgSpeedKmh",
            "centroid",
            "lon",
            "lat",
            "staleAt",
        ]
    )


def test_position_document_keeps_only_the_extensions_it_has():
    doc = position_document(
        {
            "provider": "opensky",
            "vehicleId": "abc123",
            "lat": 51.4,
            "lon": 0.0,
            "tsMs": 1759575597001,
            "speedKmh": None,
            "bearing": 91.2,
            "accuracyM": None,
            "altitudeM": 1000.0,
            "onGround": False,
            "label": None,
        }
    )
    assert doc["ts"] == datetime(2025, 10, 4, 10, 59, 57, 1000, tzinfo=UTC)
    assert doc["_id"] == "opensky:abc123"
    assert doc["loc"] == {"type": "Point", "coordinates": [0.0, 51.4]}
    assert (doc["altitudeM"], doc["onGround"]) == (1000.0, False)
    assert "label" not in doc


def test_dead_letter_document_has_the_fields_the_api_and_the_pruning_read():
    at = datetime(2025, 10, 4, 10, 0, tzinfo=UTC)
    letter_id = dead_letter_id_of("spark", "4f1c-query", 7, 2)
    assert letter_id == "spark:4f1c-query:7:2"
    letter = {"reason": "bad_json", "detail": "not JSON", "raw": "{oops", "provider": None}
    assert dead_letter_document(letter, letter_id, 41, 2, at) == {
        "_id": "spark:4f1c-query:7:2",
        "reason": "bad_json",
        "detail": "not JSON",
        "raw": "{oops",
        "at": at,
        "commitSeq": 41,
        "seq": 2,
    }
    with_provider = dead_letter_document({**letter, "provider": "mbta"}, letter_id, 41, 2, at)
    assert with_provider["provider"] == "mbta"


def test_times_before_year_one_are_stored_as_bson_dates_not_an_overflow():
    # 0001-01-01T00:00:00+01:00 is valid RFC 3339 and one hour before year 1 in UTC.
    ms = -62_135_596_800_000 - 3_600_000
    doc = position_document(
        {"provider": "sim", "vehicleId": "v", "lat": 1.0, "lon": 2.0, "tsMs": ms}
    )
    assert doc["ts"] == DatetimeMS(ms)
    # The sink's client reads such a date back as DatetimeMS, later ones as datetimes (with
    # pymongo's default it fails: "year 0 is out of range").
    client = open_client("mongodb://127.0.0.1:1")  # never connects: only its options are used
    back = decode(
        encode({"old": doc["ts"], "new": datetime(2025, 10, 4, 10, 0)}), client.codec_options
    )
    client.close()
    assert date_to_ms(back["old"]) == ms
    assert date_to_ms(back["new"]) == 1_759_572_000_000
    first = position_document(
        {"provider": "sim", "vehicleId": "v", "lat": 1.0, "lon": 2.0, "tsMs": ms + 3_600_000}
    )
    assert first["ts"] == datetime(1, 1, 1, tzinfo=UTC)

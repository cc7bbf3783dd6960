"""Normalisers of SPEC 2: MBTA V3, OpenSky and GTFS-RT responses to input records."""

from heatmap.providers import recognise_response


def test_maps_an_mbta_vehicle_with_its_local_offset_speed_and_route():
    body = {
        "data": [
            {
                "type": "vehicle",
                "id": "y1712",
                "attributes": {
                    "latitude": 42.3,
                    "longitude": -71.1,
                    "speed": 10,
                    "bearing": 90,
                    "label": " 1712 ",
                    "updated_at": "2025-10-04T07:00:00-04:00",
                },
                "relationships": {"route": {"data": {"id": "1", "type": "route"}}},
            },
            {"type": "vehicle", "id": "y2", "attributes": {"latitude": None, "longitude": -71}},
        ]
    }
    records = recognise_response(body)
    assert records[0] == (
        "event",
        {
            "provider": "mbta",
            "vehicleId": "y1712",
            "lat": 42.3,
            "lon": -71.1,
            "ts": "2025-10-04T07:00:00-04:00",
            "speedKmh": 36.0,
            "bearing": 90,
            "label": "1712",
            "routeId": "1",
        },
    )
    assert records[1][:2] == ("rejected", "no_position")


def test_reads_opensky_states_by_index_with_the_altitude_fallback():
    state = ["abc123", "UAL1    ", "US", 1759575597, 1759575599, 0.0, 51.4, 1000.0, False, 100.0]
    state += [91.2, 0.0, None, None, None, False, 0]
    records = recognise_response({"time": 1759575600, "states": [state, ["def456"] + [None] * 16]})
    kind, event = records[0]
    assert kind == "event"
    assert event["ts"] == "2025-10-04T10:59:57.000Z"
    assert (event["lat"], event["lon"], event["altitudeM"], event["label"]) == (
        51.4,
        0.0,
        1000.0,
        "UAL1",
    )
    assert event["speedKmh"] == 360.0
    assert records[1][:2] == ("rejected", "no_position")


def test_takes_gtfsrt_descriptor_id_then_entity_id_and_header_time_when_unset():
    feed = {
        "header": {"gtfs_realtime_version": "2.0", "timestamp": 1759575660},
        "entity": [
            {
                "id": "e1",
                "vehicle": {
                    "position": {"latitude": 42.3, "longitude": -71.0},
                    "vehicle": {"id": ""},
                },
            },
            {"id": "e2", "vehicle": {"timestamp": 0, "position": {"latitude": 42.3}}},
        ],
    }
    records = recognise_response(feed, "mbta")
    assert records[0][1]["vehicleId"] == "e1"
    assert records[0][1]["provider"] == "gtfsrt.mbta"
    assert records[0][1]["ts"] == "2025-10-04T11:01:00.000Z"
    assert records[0][1]["speedKmh"] is None
    assert records[1][:2] == ("rejected", "no_position")


def test_does_not_take_a_plain_event_for_a_provider_response():
    assert recognise_response({"provider": "sim", "vehicleId": "a", "lat": 1, "lon": 2}) is None

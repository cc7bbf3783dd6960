"""Provider responses to input records (SPEC 2): MBTA V3, OpenSky, GTFS-Realtime.

Normalisers map faithfully and validate nothing: range checks, (0, 0) and future times are the
engine's (SPEC 1). Every vehicle, aircraft or entity is one input record, as a tuple:

- ``("raw", text)``: a message to parse and validate, as one read from the log;
- ``("event", fields)``: an event built by a normaliser, to validate;
- ``("rejected", reason, detail)``: a record a source could not turn into an event.

The rules are those of src/sources/mbta-v3.ts, opensky-states.ts, gtfs-realtime.ts and
event-fields.ts; a response is recognised by its shape alone, as provider-response.ts does.
"""

from __future__ import annotations

import math
import re
from typing import Any

from heatmap.rfc3339 import ts_from_unix_seconds
from heatmap.validate_event import is_number, js_trim

Record = tuple
MBTA_PROVIDER = "mbta"
OPENSKY_PROVIDER = "opensky"

# Indices of the OpenSky state vector fields that events use (OpenSky REST API, "State Vectors").
_ICAO24, _CALLSIGN, _TIME_POSITION, _LAST_CONTACT = 0, 1, 3, 4
_LONGITUDE, _LATITUDE, _BARO_ALTITUDE, _ON_GROUND = 5, 6, 7, 8
_VELOCITY, _TRUE_TRACK, _GEO_ALTITUDE = 9, 10, 13

_INTEGER_TEXT = re.compile(r"-?\d+")


# --- Field mappings every normaliser shares (src/sources/event-fields.ts) ---------------------


def finite_or_none(value: Any) -> float | None:
    """A number only when it is finite, so that no event carries NaN or Infinity."""
    return value if is_number(value) and math.isfinite(value) else None


def optional_number(value: Any, factor: float = 1) -> Any:
    """An optional number of a provider (speed, bearing) as its event field.

    Absent and non-finite values become None; a string or a boolean passes as it came, so that
    validation cleans it and counts the fix (SPEC 1) instead of the source hiding it.
    """
    if is_number(value):
        return finite_or_none(value * factor)
    if isinstance(value, (str, bool)):
        return value
    return None


def is_missing_coordinate(value: Any) -> bool:
    """A latitude or longitude that is None or not finite counts as missing (``no_position``)."""
    return value is None or (is_number(value) and not math.isfinite(value))


def non_blank(value: Any) -> str | None:
    """A string trimmed, or None when it is not a string or is blank (OpenSky pads callsigns)."""
    if not isinstance(value, str):
        return None
    trimmed = js_trim(value)
    return trimmed or None


def integer_or_none(value: Any) -> float | None:
    """An integer given as a number or as a decimal string (protobuf's JSON form of uint64)."""
    if is_number(value):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
        return int(value)
    return None


def name_of(value: Any) -> str:
    """A vehicle's id for a rejection detail, whatever it looks like."""
    if isinstance(value, str) and value != "":
        return f'"{value}"'
    return str(value) if is_number(value) else "(no id)"


def no_position(detail: str) -> Record:
    """The record of a vehicle or aircraft without a position or a position time."""
    return ("rejected", "no_position", detail)


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


# --- MBTA V3 /vehicles (JSON:API) ---------------------------------------------------------------


def _is_vehicle_resource(value: Any) -> bool:
    return _is_object(value) and value.get("type") == "vehicle"


def mbta_vehicle_resources(body: Any) -> list[dict] | None:
    """The vehicle resources of a V3 response, or None when ``body`` is not one.

    Besides the API's own document ``{data: [...]}``, recordings keep a bare array of resources
    (the streaming API's ``reset``), one resource (its ``update``), and objects whose arrays hold
    resources (a 2019 recording appended every poll's ``data`` to one array).
    """
    if isinstance(body, list):
        if body and _is_vehicle_resource(body[0]):
            return [r for r in body if _is_vehicle_resource(r)]
        return None
    if not _is_object(body):
        return None
    if _is_vehicle_resource(body) and _is_object(body.get("attributes")):
        return [body]

    if "data" in body:
        data = body["data"]
        if _is_vehicle_resource(data):
            return [data]
        if not isinstance(data, list):
            return None
        if any(_is_vehicle_resource(r) for r in data):
            return [r for r in data if _is_vehicle_resource(r)]
        # An empty page is still a V3 document when it says so (jsonapi), or has nothing else.
        return [] if not data and ("jsonapi" in body or len(body) == 1) else None

    arrays = [v for v in body.values() if isinstance(v, list) and v and _is_vehicle_resource(v[0])]
    if not arrays:
        return None
    return [r for array in arrays for r in array if _is_vehicle_resource(r)]


def normalise_mbta_vehicle(resource: dict) -> Record:
    """One V3 vehicle resource as an input record (SPEC 2)."""
    attributes = resource.get("attributes")
    attributes = attributes if _is_object(attributes) else {}
    latitude, longitude = attributes.get("latitude"), attributes.get("longitude")
    updated_at = attributes.get("updated_at")
    name = name_of(resource.get("id"))

    if is_missing_coordinate(latitude) or is_missing_coordinate(longitude):
        return no_position(f"mbta vehicle {name} has no latitude or longitude")
    if updated_at is None:
        return no_position(f"mbta vehicle {name} has no updated_at")

    # updated_at carries MBTA's local offset (-04:00 or -05:00); validation turns it into UTC.
    event = {
        "provider": MBTA_PROVIDER,
        "vehicleId": resource.get("id"),
        "lat": latitude,
        "lon": longitude,
        "ts": updated_at,
        "speedKmh": optional_number(attributes.get("speed"), 3.6),
        "bearing": optional_number(attributes.get("bearing")),
    }
    label = non_blank(attributes.get("label"))
    if label is not None:
        event["label"] = label
    route_id = non_blank(_route_of(resource))
    if route_id is not None:
        event["routeId"] = route_id
    return ("event", event)


def _route_of(resource: dict) -> Any:
    relationships = resource.get("relationships")
    if not _is_object(relationships) or not _is_object(relationships.get("route")):
        return None
    data = relationships["route"].get("data")
    return data.get("id") if _is_object(data) else None


# --- OpenSky /states/all --------------------------------------------------------------------------


def opensky_states(body: Any) -> list | None:
    """The state vectors of an OpenSky response (or a bare array of them), or None."""
    if isinstance(body, list):
        first = body[0] if body else None
        return body if isinstance(first, list) and first and isinstance(first[0], str) else None
    if not _is_object(body) or "states" not in body or "time" not in body:
        return None
    if body["states"] is None:
        return []
    return body["states"] if isinstance(body["states"], list) else None


def normalise_opensky_state(state: Any) -> Record:
    """One state vector as an input record, read by index (17, 18 or more fields; SPEC 2)."""
    fields = state if isinstance(state, list) else []

    def at(index: int) -> Any:
        return fields[index] if index < len(fields) else None

    name = name_of(at(_ICAO24))
    if is_missing_coordinate(at(_LATITUDE)) or is_missing_coordinate(at(_LONGITUDE)):
        return no_position(f"opensky aircraft {name} has no position")
    time_position = at(_TIME_POSITION)
    if time_position is None:
        return no_position(f"opensky aircraft {name} has no time_position")

    event = {
        "provider": OPENSKY_PROVIDER,
        "vehicleId": at(_ICAO24),
        "lat": at(_LATITUDE),
        "lon": at(_LONGITUDE),
        "ts": ts_from_unix_seconds(time_position) if is_number(time_position) else time_position,
        "speedKmh": optional_number(at(_VELOCITY), 3.6),
        "bearing": optional_number(at(_TRUE_TRACK)),
    }
    altitude = finite_or_none(at(_GEO_ALTITUDE))
    if altitude is None:
        altitude = finite_or_none(at(_BARO_ALTITUDE))
    if altitude is not None:
        event["altitudeM"] = altitude
    if isinstance(at(_ON_GROUND), bool):
        event["onGround"] = at(_ON_GROUND)
    # Callsigns are right-padded to 8 characters; one recorded callsign is 8 spaces.
    label = non_blank(at(_CALLSIGN))
    if label is not None:
        event["label"] = label
    return ("event", event)


# --- GTFS-Realtime VehiclePositions, JSON rendering or decoded protobuf -------------------------


def gtfsrt_provider(feed: str | None) -> str:
    """``gtfsrt.<feed>``, or ``gtfsrt`` when no feed name is given (SPEC 2)."""
    return f"gtfsrt.{feed}" if feed else "gtfsrt"


def _field(message: Any, *names: str) -> Any:
    """The first of a field's spellings that is really there (present and not null)."""
    if not _is_object(message):
        return None
    for name in names:
        value = message.get(name)
        if value is not None:
            return value
    return None


def _timestamp_of(message: Any) -> float | None:
    # 0, the protobuf default, counts as absent (SPEC 2).
    seconds = integer_or_none(_field(message, "timestamp"))
    return None if seconds == 0 else seconds


def _id_of(message: Any) -> str | None:
    # The empty string, which producers send for "none", counts as absent (SPEC 2).
    value = _field(message, "id")
    return value if isinstance(value, str) and value != "" else None


def normalise_feed_entity(entity: Any, provider: str, header_seconds: float | None) -> Record:
    """One FeedEntity as an input record; an entity without a position is ``no_position``."""
    vehicle = _field(entity, "vehicle")
    descriptor = _field(vehicle, "vehicle")
    vehicle_id = _id_of(descriptor) or _id_of(entity)
    name = f"gtfsrt entity {name_of(_id_of(entity))} (vehicle {name_of(vehicle_id)})"

    if vehicle is None:
        return no_position(f"{name} is not a vehicle position")
    position = _field(vehicle, "position")
    lat, lon = _field(position, "latitude"), _field(position, "longitude")
    if is_missing_coordinate(lat) or is_missing_coordinate(lon):
        return no_position(f"{name} has no position")
    # Some feeds (Estonia) have no vehicle timestamps at all, only the header's.
    seconds = _timestamp_of(vehicle)
    if seconds is None:
        seconds = header_seconds
    if seconds is None:
        return no_position(f"{name} has no timestamp")

    event = {
        "provider": provider,
        "vehicleId": vehicle_id,
        "lat": lat,
        "lon": lon,
        "ts": ts_from_unix_seconds(seconds),
        "speedKmh": optional_number(_field(position, "speed"), 3.6),
        "bearing": optional_number(_field(position, "bearing")),
    }
    label = non_blank(_field(descriptor, "label"))
    if label is not None:
        event["label"] = label
    route_id = non_blank(_field(_field(vehicle, "trip"), "route_id", "routeId"))
    if route_id is not None:
        event["routeId"] = route_id
    return ("event", event)


def normalise_feed_message(feed: dict, feed_name: str | None = None) -> list[Record]:
    """A FeedMessage (JSON rendering, or decoded protobuf as dicts) as input records."""
    provider = gtfsrt_provider(feed_name)
    header_seconds = _timestamp_of(_field(feed, "header"))
    entities = _field(feed, "entity")
    if not isinstance(entities, list):
        return []
    return [normalise_feed_entity(e, provider, header_seconds) for e in entities]


def is_feed_message_json(body: Any) -> bool:
    """Whether a parsed body is a FeedMessage in the JSON rendering."""
    if not _is_object(body):
        return False
    if isinstance(_field(body, "entity"), list):
        return True
    header = _field(body, "header")
    return _field(header, "gtfs_realtime_version", "gtfsRealtimeVersion", "timestamp") is not None


def feed_message_to_dict(feed: Any) -> dict:
    """A decoded protobuf FeedMessage as the dicts of the JSON rendering, set fields only.

    Protobuf reads an unset number as 0, so each field is copied only when ``HasField`` says it
    was on the wire (SPEC 2: fields the feed leaves unset are null, never 0).
    """

    def present(message: Any, *names: str) -> dict:
        return {n: getattr(message, n) for n in names if message.HasField(n)}

    out: dict = {"header": present(feed.header, "timestamp"), "entity": []}
    for entity in feed.entity:
        item: dict = present(entity, "id")
        if entity.HasField("vehicle"):
            vp = entity.vehicle
            vehicle = present(vp, "timestamp")
            if vp.HasField("position"):
                vehicle["position"] = present(
                    vp.position, "latitude", "longitude", "bearing", "speed"
                )
            if vp.HasField("vehicle"):
                vehicle["vehicle"] = present(vp.vehicle, "id", "label")
            if vp.HasField("trip"):
                vehicle["trip"] = present(vp.trip, "route_id")
            item["vehicle"] = vehicle
        out["entity"].append(item)
    return out


# --- Recognition by shape (src/sources/provider-response.ts) -------------------------------------


def recognise_response(body: Any, feed_name: str | None = None) -> list[Record] | None:
    """Normalise a parsed body when it has a known provider's shape.

    The checks go from the most telling shape to the least: a feed's ``entity``/``header``,
    OpenSky's ``states``, then MBTA resources of type ``vehicle``.

    Returns
    -------
    list or None
        One record per vehicle, aircraft or entity; None when ``body`` is not a provider
        response (an event, say, which validation judges itself).
    """
    if isinstance(body, list) and not body:
        return []
    if is_feed_message_json(body):
        return normalise_feed_message(body, feed_name)
    states = opensky_states(body)
    if states is not None:
        return [normalise_opensky_state(s) for s in states]
    vehicles = mbta_vehicle_resources(body)
    if vehicles is not None:
        return [normalise_mbta_vehicle(v) for v in vehicles]
    return None

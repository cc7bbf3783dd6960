"""Validation of position events (SPEC 1), shared by the batch mode and the streaming job.

Checks run in the order SPEC 1 gives, and the first that fails decides the reason. Optional
fields that break their rule are repaired to None and counted under ``cleaned``, so a bad
bearing never costs a position. The rules follow src/event/validate-event.ts; where Python and
JavaScript read JSON differently (booleans are ints in Python, ``NaN`` is JSON to Python's
parser, integers have no size limit) the JavaScript reading wins, so both engines agree.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from heatmap.rfc3339 import rfc3339_to_ms

#: Reasons a record is rejected, in the order the checks run (SPEC 1).
REJECT_REASONS = (
    "too_large",
    "bad_json",
    "missing_field",
    "bad_field",
    "bad_coordinates",
    "null_island",
    "bad_timestamp",
    "future_timestamp",
    "no_position",
    "decode_error",
)

#: Optional fields repaired to None, rather than costing the position, when they break their rule.
CLEANABLE_FIELDS = (
    "speedKmh",
    "bearing",
    "accuracyM",
    "altitudeM",
    "onGround",
    "label",
    "routeId",
    "mode",
)

#: Extension fields kept on the latest position when present (SPEC 1).
EXTENSION_FIELDS = ("altitudeM", "onGround", "label", "routeId", "mode")

#: Messages above this many bytes are ``too_large`` (SPEC 1: 64 KiB).
MAX_MESSAGE_BYTES = 64 * 1024

#: Events more than this far ahead of the engine's clock are ``future_timestamp`` (SPEC 1).
MAX_FUTURE_MS = 5 * 60 * 1000

_PROVIDER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,47}")
_SURROGATE = re.compile("[\ud800-\udfff]")

# The characters String.prototype.trim removes (ECMA-262: WhiteSpace and LineTerminator).
JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


@dataclass
class PositionEvent:
    """A position event that passed validation; ``ts_ms`` is the UTC time in epoch ms."""

    provider: str
    vehicle_id: str
    lat: float
    lon: float
    ts_ms: int
    speed_kmh: float | None = None
    bearing: float | None = None
    accuracy_m: float | None = None
    extensions: dict[str, Any] = field(default_factory=dict)


@dataclass
class Validation:
    """The outcome of validating one record: an event, or a reason with a detail."""

    event: PositionEvent | None = None
    cleaned: list[str] | None = None
    reason: str | None = None
    detail: str = ""
    provider: str | None = None


def js_trim(text: str) -> str:
    """Trim as JavaScript's ``String.prototype.trim`` does (Python's ``strip`` differs)."""
    return text.strip(JS_WHITESPACE)


def is_number(value: Any) -> bool:
    """Whether a parsed JSON value is a number (a JavaScript ``typeof 'number'``; not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_provider_name(name: Any) -> bool:
    """Whether ``name`` is a valid provider name (SPEC 1), e.g. ``mbta`` or ``gtfsrt.mbta``."""
    return isinstance(name, str) and _PROVIDER_NAME.fullmatch(name) is not None


def _json_number_int(text: str) -> int | float:
    # JSON numbers are doubles in JavaScript: a long integer becomes a (perhaps infinite) float.
    return int(text) if len(text) < 16 else float(text)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """Parse JSON as JavaScript's ``JSON.parse`` does: no NaN or Infinity, numbers as doubles.

    Raises
    ------
    ValueError
        When ``text`` is not one JSON document.
    """
    return json.loads(text, parse_int=_json_number_int, parse_constant=_refuse_constant)


def describe(value: Any, max_chars: int = 80) -> str:
    """Render a value of the input for a rejection detail, never raising."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=lambda v: type(v).__name__)
    except (ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= max_chars else text[: max_chars - 3] + "..."


def _reject(reason: str, detail: str, provider: Any = None) -> Validation:
    return Validation(
        reason=reason, detail=detail, provider=provider if isinstance(provider, str) else None
    )


def utf8_length(text: str) -> int:
    """The UTF-8 length of a string; a lone surrogate counts 3 bytes, as Node's Buffer counts it."""
    return len(text.encode("utf-8", "surrogatepass"))


def validate_message(value: str | bytes, now_ms: int) -> Validation:
    """Parse and validate one message as read from the log.

    Parameters
    ----------
    value : str or bytes
        The message, as text or UTF-8 bytes.
    now_ms : int
        The engine's clock, for ``future_timestamp``.

    Returns
    -------
    Validation
        The event, or the reason it is rejected.
    """
    size = len(value) if isinstance(value, bytes) else utf8_length(value)
    if size > MAX_MESSAGE_BYTES:
        return _reject(
            "too_large", f"message of {size} bytes is over the limit of {MAX_MESSAGE_BYTES}"
        )

    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    try:
        parsed = parse_json(text)
    except (ValueError, RecursionError) as err:
        return _reject("bad_json", f"not JSON: {err}")
    if not isinstance(parsed, dict):
        return _reject("bad_json", f"not a JSON object: {describe(parsed)}")
    return validate_event(parsed, now_ms)


def validate_event(raw: dict[str, Any], now_ms: int) -> Validation:
    """Validate a parsed event object: required fields, coordinates, time, then optional fields.

    Parameters
    ----------
    raw : dict
        The object, with ``ts`` as an RFC 3339 string.
    now_ms : int
        The engine's clock, for ``future_timestamp``.

    Returns
    -------
    Validation
        The event (and the fields cleaned), or the reason it is rejected.
    """
    provider, vehicle_id = raw.get("provider"), raw.get("vehicleId")
    lat, lon, ts = raw.get("lat"), raw.get("lon"), raw.get("ts")

    # Stage 1: presence of the required fields.
    for name, value in (("provider", provider), ("vehicleId", vehicle_id), ("lat", lat)):
        if value is None:
            return _reject("missing_field", f"{name} is missing", provider)
    if lon is None:
        return _reject("missing_field", "lon is missing", provider)
    if ts is None:
        return _reject("missing_field", "ts is missing", provider)

    # Stage 2: types and forms. A lone surrogate has no UTF-8 form (a store would turn it into
    # U+FFFD, and two ids would then name one vehicle).
    if not is_provider_name(provider):
        return _reject("bad_field", f"provider {describe(provider)} is not a valid provider name")
    if not isinstance(vehicle_id, str):
        return _reject("bad_field", f"vehicleId {describe(vehicle_id)} is not a string", provider)
    if _SURROGATE.search(vehicle_id):
        return _reject("bad_field", "vehicleId holds a lone surrogate", provider)
    if not 1 <= len(vehicle_id) <= 128:
        return _reject(
            "bad_field", f"vehicleId has {len(vehicle_id)} code points, not 1 to 128", provider
        )
    if not is_number(lat):
        return _reject("bad_field", f"lat {describe(lat)} is not a number", provider)
    if not is_number(lon):
        return _reject("bad_field", f"lon {describe(lon)} is not a number", provider)

    # Stage 3: coordinates.
    lat, lon = float(lat), float(lon)
    if not math.isfinite(lat) or lat < -90 or lat > 90:
        return _reject("bad_coordinates", f"lat {lat} is outside -90..90", provider)
    if not math.isfinite(lon) or lon < -180 or lon > 180:
        return _reject("bad_coordinates", f"lon {lon} is outside -180..180", provider)
    if lat == 0 and lon == 0:
        return _reject("null_island", "position is exactly (0, 0)", provider)

    # Stage 4: time. A ts that is not a string is not an RFC 3339 date-time either.
    ts_ms = rfc3339_to_ms(ts) if isinstance(ts, str) else None
    if ts_ms is None:
        return _reject("bad_timestamp", f"ts {describe(ts)} is not an RFC 3339 date-time", provider)
    if ts_ms - now_ms > MAX_FUTURE_MS:
        return _reject(
            "future_timestamp", f"ts {describe(ts)} is more than 5 minutes ahead", provider
        )

    # Stage 5: optional fields, repaired rather than rejected.
    # Coordinates keep their parsed form: an int prints as 42, as JavaScript prints it.
    event = PositionEvent(provider, vehicle_id, raw["lat"], raw["lon"], ts_ms)
    return _clean_optional_fields(raw, event)


def _in_range(value: Any, low: float, high: float) -> int | float | None:
    if not is_number(value):
        return None
    try:
        return value if low <= value <= high else None
    except OverflowError:
        return None


def _clean_optional_fields(raw: dict[str, Any], event: PositionEvent) -> Validation:
    cleaned: list[str] = []

    speed, bearing, accuracy = raw.get("speedKmh"), raw.get("bearing"), raw.get("accuracyM")
    if speed is not None:
        event.speed_kmh = _in_range(speed, 0, 2000)
        if event.speed_kmh is None:
            cleaned.append("speedKmh")
    if bearing is not None:
        degrees = _in_range(bearing, 0, 360)
        if degrees is None:
            cleaned.append("bearing")
        else:
            event.bearing = 0 if degrees == 360 else degrees
    if accuracy is not None:
        event.accuracy_m = _in_range(accuracy, 0, sys.float_info.max)
        if event.accuracy_m is None:
            cleaned.append("accuracyM")

    # Extensions: kept when of their type, dropped (and counted) when not.
    checks = {
        "altitudeM": lambda v: is_number(v) and math.isfinite(v),
        "onGround": lambda v: isinstance(v, bool),
        "label": lambda v: isinstance(v, str),
        "routeId": lambda v: isinstance(v, str),
        "mode": lambda v: isinstance(v, str),
    }
    for name, is_valid in checks.items():
        value = raw.get(name)
        if value is None:
            continue
        if is_valid(value):
            event.extensions[name] = value
        else:
            cleaned.append(name)
    return Validation(event=event, cleaned=cleaned or None)

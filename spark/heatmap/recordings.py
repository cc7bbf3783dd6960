"""Recording files to micro-batches of input records, the format recognised by content (SPEC 4).

Gzip is opened first, then Parquet (an MBTA LAMP archive: one micro-batch per feed timestamp),
JSON (a provider's response), NDJSON (events or whole responses, one per line), and otherwise a
GTFS-RT protobuf body. A file that decodes as none of them counts once, as ``decode_error``, and
stops no other file. The order and the rules are those of src/sources/read-recording.ts and
src/sources/lamp-parquet.ts.
"""

from __future__ import annotations

import gzip
import io
import math
import zlib
from typing import Any

from heatmap.providers import (
    Record,
    feed_message_to_dict,
    non_blank,
    normalise_feed_message,
    recognise_response,
)
from heatmap.rfc3339 import ts_from_unix_seconds
from heatmap.validate_event import JS_WHITESPACE, js_trim, parse_json

#: The most a gzipped recording may inflate to, so that a bomb cannot exhaust memory.
MAX_INFLATED_BYTES = 256 * 1024 * 1024

#: LAMP archives MBTA's own GTFS-RT feed, so its events are that feed's (SPEC 2).
LAMP_PROVIDER = "gtfsrt.mbta"

# Each LAMP field's column in either layout, the 2022 one first (flat names, dots and all).
_LAMP_COLUMNS = {
    "feed_timestamp": ("feed_timestamp",),
    "latitude": ("latitude", "vehicle.position.latitude"),
    "longitude": ("longitude", "vehicle.position.longitude"),
    "vehicle_timestamp": ("vehicle_timestamp", "vehicle.timestamp"),
    "bearing": ("bearing", "vehicle.position.bearing"),
    "speed": ("speed", "vehicle.position.speed"),
    "vehicle_id": ("vehicle_id", "vehicle.vehicle.id"),
    "entity_id": ("entity_id", "id"),
    "route_id": ("route_id", "vehicle.trip.route_id"),
    "label": ("vehicle_label", "vehicle.vehicle.label"),
}
_LAMP_TEXT_FIELDS = ("vehicle_id", "entity_id", "route_id", "label")
_LAMP_REQUIRED = ("feed_timestamp", "latitude", "longitude")

Batch = list  # the input records of one micro-batch, in order


def _decode_error(detail: str) -> list[Batch]:
    return [[("rejected", "decode_error", detail)]]


def read_recording_file(path: str, feed_name: str | None = None) -> list[Batch]:
    """Read a recording file as micro-batches, recognising its format by content.

    Parameters
    ----------
    path : str
        The file.
    feed_name : str, optional
        Names GTFS-RT inputs ``gtfsrt.<feed_name>`` (``--feed``).

    Returns
    -------
    list of list
        One batch, or one per feed timestamp for a LAMP archive; a single ``decode_error``
        batch when nothing can be decoded.

    Raises
    ------
    OSError
        When the file cannot be read.
    """
    with open(path, "rb") as handle:
        data = handle.read()
    return read_recording_bytes(data, path, feed_name)


def read_recording_bytes(data: bytes, label: str, feed_name: str | None = None) -> list[Batch]:
    """Read a recording already in memory; see ``read_recording_file``."""
    # gzip (RFC 1952, section 2.3.1): MBTA's archived JSON is stored gzipped.
    if data[:2] == b"\x1f\x8b":
        try:
            inflater = zlib.decompressobj(wbits=31)
            inflated = inflater.decompress(data, MAX_INFLATED_BYTES)
            if inflater.unconsumed_tail:
                return _decode_error(f"{label}: inflates to more than {MAX_INFLATED_BYTES} bytes")
        except (zlib.error, gzip.BadGzipFile) as err:
            return _decode_error(f"{label}: broken gzip: {err}")
        return read_recording_bytes(inflated, label, feed_name)

    # Parquet files begin with the magic "PAR1" (Apache Parquet, "File Format").
    if data[:4] == b"PAR1":
        return read_lamp_parquet(data, label)

    if _looks_like_json(data):
        # TextDecoder drops a leading BOM and replaces bytes that are not UTF-8.
        return [_read_json_text(data.decode("utf-8-sig", "replace"), feed_name)]

    # Anything else should be a protobuf FeedMessage.
    from google.protobuf.message import DecodeError
    from google.transit import gtfs_realtime_pb2

    feed = gtfs_realtime_pb2.FeedMessage()
    try:
        feed.ParseFromString(data)
        # Required fields (the header, an entity's id, a position's latitude) must be there,
        # as the TypeScript engine's decoder demands; an empty body lacks the header.
        missing = feed.FindInitializationErrors()
        if missing:
            raise DecodeError(f"missing required {', '.join(missing[:3])}")
    except (DecodeError, RuntimeWarning, ValueError) as err:
        return _decode_error(f"{label}: not JSON, NDJSON, Parquet or GTFS-RT protobuf ({err})")
    return [normalise_feed_message(feed_message_to_dict(feed), feed_name)]


def _looks_like_json(data: bytes) -> bool:
    """True when the first byte that is not whitespace (or a BOM) opens an object or array."""
    i = 3 if data[:3] == b"\xef\xbb\xbf" else 0
    while i < len(data) and data[i] in b" \t\n\r":
        i += 1
    return i < len(data) and data[i] in b"{["


def _read_json_text(text: str, feed_name: str | None) -> Batch:
    """A provider's response is normalised; a pretty-printed document of no known shape is one
    message; text that is not one JSON document is NDJSON."""
    try:
        body = parse_json(text)
    except (ValueError, RecursionError):
        return _read_ndjson(text, feed_name)
    records = recognise_response(body, feed_name)
    if records is not None:
        return records
    trimmed = js_trim(text)
    if "\n" in trimmed or "\r" in trimmed:
        return [("raw", trimmed)]
    return _read_ndjson(text, feed_name)


def _read_ndjson(text: str, feed_name: str | None) -> Batch:
    """Blank lines are skipped; a line holding a provider's response gives its records; any
    other line is a raw message, validated as one read from the log."""
    records: Batch = []
    for line in text.split("\n"):
        value = line[:-1] if line.endswith("\r") else line
        if value.strip(JS_WHITESPACE) == "":
            continue
        try:
            response = recognise_response(parse_json(value), feed_name)
        except (ValueError, RecursionError):
            response = None
        if response is None:
            records.append(("raw", value))
        else:
            records.extend(response)
    return records


# --- MBTA LAMP Parquet ------------------------------------------------------------------------


def _as_double(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    return float(value)


def read_lamp_parquet(data: bytes, label: str) -> list[Batch]:
    """Read an MBTA LAMP vehicle positions archive as one micro-batch per feed timestamp.

    Rows are sorted by ``feed_timestamp`` (ties in file order, rows without one last); a row is
    an event of provider ``gtfsrt.mbta``, or ``no_position``. A file without LAMP's columns, or
    not readable as Parquet, is one ``decode_error``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    # Stage 1: find each field's column in whichever layout the file has.
    try:
        parquet = pq.ParquetFile(io.BytesIO(data), pre_buffer=False)
        names = set(parquet.schema_arrow.names)
    except (pa.ArrowException, OSError) as err:
        return _decode_error(f"{label}: not a readable Parquet file: {err}")
    column_of = {
        f: next((c for c in candidates if c in names), None)
        for f, candidates in _LAMP_COLUMNS.items()
    }
    missing = [f for f in _LAMP_REQUIRED if column_of[f] is None]
    if missing:
        return _decode_error(
            f"{label}: not an MBTA LAMP vehicle positions file (no {', '.join(missing)} column)"
        )

    # Stage 2: read those columns only. Arrow's reader threads are off: with them, about one
    # run in five of the batch mode aborted at interpreter exit ("terminate called without an
    # active exception", pyarrow 22 on Python 3.11), and a LAMP file reads fast enough on one.
    try:
        table = parquet.read(
            columns=[c for c in column_of.values() if c is not None], use_threads=False
        )
    except (pa.ArrowException, OSError) as err:
        return _decode_error(f"{label}: not a readable Parquet file: {err}")
    rows = table.num_rows
    columns: dict[str, list] = {}
    for f, column in column_of.items():
        values = table.column(column).to_pylist() if column is not None else [None] * rows
        if f in _LAMP_TEXT_FIELDS:
            columns[f] = [v if isinstance(v, str) else None for v in values]
        else:
            columns[f] = [_as_double(v) for v in values]

    # Stage 3: rows in replay order, one batch per feed timestamp.
    feed_ts = columns["feed_timestamp"]
    order = sorted(
        range(rows),
        key=lambda r: (math.isnan(feed_ts[r]), 0 if math.isnan(feed_ts[r]) else feed_ts[r], r),
    )
    batches: list[Batch] = []
    current_key: float | None = None
    for row in order:
        key = feed_ts[row]
        same = current_key is not None and (
            key == current_key or (math.isnan(key) and math.isnan(current_key))
        )
        if not same:
            batches.append([])
            current_key = key
        batches[-1].append(_lamp_row_record(columns, row))
    return batches


def _lamp_row_record(columns: dict[str, list], row: int) -> Record:
    vehicle_id = columns["vehicle_id"][row] or columns["entity_id"][row] or None
    lat, lon = columns["latitude"][row], columns["longitude"][row]
    vehicle_seconds = columns["vehicle_timestamp"][row]
    # As in the live feed, a vehicle without its own timestamp (or 0) takes the snapshot's.
    seconds = vehicle_seconds if vehicle_seconds > 0 or vehicle_seconds < 0 else None
    if seconds is None:
        seconds = columns["feed_timestamp"][row]

    if not (math.isfinite(lat) and math.isfinite(lon) and math.isfinite(seconds)):
        what = "position" if math.isfinite(seconds) else "timestamp"
        return ("rejected", "no_position", f"lamp row {row} (vehicle {vehicle_id}) has no {what}")

    speed, bearing = columns["speed"][row], columns["bearing"][row]
    event = {
        "provider": LAMP_PROVIDER,
        "vehicleId": vehicle_id,
        "lat": lat,
        "lon": lon,
        "ts": ts_from_unix_seconds(seconds),
        "speedKmh": speed * 3.6 if math.isfinite(speed) else None,
        "bearing": bearing if math.isfinite(bearing) else None,
    }
    label = non_blank(columns["label"][row])
    if label is not None:
        event["label"] = label
    route_id = non_blank(columns["route_id"][row])
    if route_id is not None:
        event["routeId"] = route_id
    return ("event", event)

"""The micro-batch semantics of SPEC 3 in plain Python, and the SPEC 4 object of the batch mode.

One call of ``process_batch`` is one Spark micro-batch: validate, drop late reports (at or
before the watermark fixed at the end of the previous batch, Spark's ``eventTime <= watermark``),
drop re-sent reports (the first in log order wins, as ``dropDuplicatesWithinWatermark`` keeps
one of each identity), snap to a cell, bucket into a window, aggregate, then advance the
watermark. Tiles are totals, as the streaming job's update-mode aggregation emits them. The
validation, cell, window and rounding functions are the ones the streaming job runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from heatmap.cells import (
    average_speed,
    cell_to_centroid,
    grid_name,
    lat_lng_to_cell_id,
    window_start_of,
)
from heatmap.providers import Record
from heatmap.rfc3339 import ms_to_iso
from heatmap.validate_event import (
    EXTENSION_FIELDS,
    PositionEvent,
    Validation,
    validate_event,
    validate_message,
)


@dataclass
class EngineSettings:
    """SPEC 6 settings of an engine: H3_RES, TILE_MINUTES, WATERMARK_SECONDS, TTL_MINUTES."""

    res: int = 8
    tile_minutes: int = 5
    watermark_seconds: int = 600
    ttl_minutes: int = 45


@dataclass
class OpenTile:
    """Running totals of one (provider, cell, window)."""

    provider: str
    cell_id: str
    window_start_ms: int
    count: int = 0
    vehicles: set = field(default_factory=set)
    speed_sum_kmh: float = 0.0
    speed_samples: int = 0


def validate_record(record: Record, now_ms: int) -> Validation:
    """Validate one input record of any kind (raw message, normalised event, rejection)."""
    if record[0] == "raw":
        return validate_message(record[1], now_ms)
    if record[0] == "event":
        return validate_event(record[1], now_ms)
    return Validation(reason=record[1], detail=record[2])


class MicroBatchEngine:
    """Feed it micro-batches in log order; it keeps tiles, latest positions and counters."""

    def __init__(self, settings: EngineSettings):
        self.settings = settings
        self.window_ms = settings.tile_minutes * 60_000
        self.watermark_ms: int | None = None
        self.seen: set[tuple[str, str, int]] = set()
        self.tiles: dict[tuple[str, str, int], OpenTile] = {}
        self.positions: dict[tuple[str, str], PositionEvent] = {}
        self.accepted = self.duplicates = self.late = 0
        self.rejected: dict[str, int] = {}
        self.cleaned: dict[str, int] = {}

    def process_batch(self, records: list[Record], now_ms: int) -> None:
        """Run one micro-batch.

        Parameters
        ----------
        records : list
            The batch's input records, in log order.
        now_ms : int
            The engine's clock, for ``future_timestamp``.
        """
        watermark = self.watermark_ms  # fixed for the whole batch, as in Spark
        batch_max_ts: int | None = None

        for record in records:
            # Stage 1: validate.
            result = validate_record(record, now_ms)
            if result.event is None:
                self.rejected[result.reason] = self.rejected.get(result.reason, 0) + 1
                continue
            for name in result.cleaned or ():
                self.cleaned[name] = self.cleaned.get(name, 0) + 1
            event = result.event
            if batch_max_ts is None or event.ts_ms > batch_max_ts:
                batch_max_ts = event.ts_ms

            # Stage 2: late reports still move a latest position, but join no dedupe set or tile.
            key = (event.provider, event.vehicle_id)
            stored = self.positions.get(key)
            if stored is None or event.ts_ms > stored.ts_ms:
                self.positions[key] = event
            if watermark is not None and event.ts_ms <= watermark:
                self.late += 1
                continue

            # Stage 3: dedupe on the report's identity (provider, vehicleId, ts).
            identity = (event.provider, event.vehicle_id, event.ts_ms)
            if identity in self.seen:
                self.duplicates += 1
                continue
            self.seen.add(identity)
            self.accepted += 1

            # Stage 4: snap, bucket, aggregate.
            self._add_to_tile(event)

        # Stage 5: advance the watermark for the next batch; it never moves back.
        if batch_max_ts is not None:
            candidate = batch_max_ts - self.settings.watermark_seconds * 1000
            if self.watermark_ms is None or candidate > self.watermark_ms:
                self.watermark_ms = candidate
            self.seen = {i for i in self.seen if i[2] > self.watermark_ms}

    def _add_to_tile(self, event: PositionEvent) -> None:
        cell_id = lat_lng_to_cell_id(event.lat, event.lon, self.settings.res)
        start = window_start_of(event.ts_ms, self.window_ms)
        key = (event.provider, cell_id, start)
        tile = self.tiles.get(key)
        if tile is None:
            tile = self.tiles[key] = OpenTile(event.provider, cell_id, start)
        tile.count += 1
        tile.vehicles.add(event.vehicle_id)
        if event.speed_kmh is not None:
            tile.speed_sum_kmh += event.speed_kmh
            tile.speed_samples += 1

    def result(self) -> dict:
        """The SPEC 4 object: sorted tiles and positions, and the counters."""
        tiles = sorted(
            self.tiles.values(), key=lambda t: (t.window_start_ms, t.provider, t.cell_id)
        )
        # Python compares strings by code point, as SPEC 4 asks (JavaScript's < does not).
        positions = sorted(self.positions.values(), key=lambda p: (p.provider, p.vehicle_id))
        return {
            "tiles": [self.tile_output(t) for t in tiles],
            "positions": [position_output(p) for p in positions],
            "stats": {
                "accepted": self.accepted,
                "duplicates": self.duplicates,
                "late": self.late,
                "rejected": {k: v for k, v in self.rejected.items() if v},
                "cleaned": {k: v for k, v in self.cleaned.items() if v},
            },
        }

    def tile_output(self, tile: OpenTile) -> dict:
        """A tile in the printed shape of SPEC 4."""
        end = tile.window_start_ms + self.window_ms
        return tile_output(
            tile.provider,
            grid_name(self.settings.res),
            tile.cell_id,
            tile.window_start_ms,
            end,
            tile.count,
            len(tile.vehicles),
            tile.speed_sum_kmh,
            tile.speed_samples,
            end + self.settings.ttl_minutes * 60_000,
        )


def tile_output(
    provider: str,
    grid: str,
    cell_id: str,
    start_ms: int,
    end_ms: int,
    count: int,
    vehicles: int,
    speed_sum: float,
    samples: int,
    stale_ms: int,
) -> dict:
    """A tile as SPEC 4 prints it (the streaming job stores the same values, as BSON dates)."""
    return {
        "provider": provider,
        "grid": grid,
        "cellId": cell_id,
        "windowStart": ms_to_iso(start_ms),
        "windowEnd": ms_to_iso(end_ms),
        "count": count,
        "vehicles": vehicles,
        "avgSpeedKmh": average_speed(speed_sum, samples),
        "speedSamples": samples,
        "centroid": {"type": "Point", "coordinates": list(cell_to_centroid(cell_id))},
        "staleAt": ms_to_iso(stale_ms),
    }


def position_output(p: PositionEvent) -> dict:
    """A latest position as SPEC 4 prints it: core fields, then the extensions it has."""
    out = {
        "provider": p.provider,
        "vehicleId": p.vehicle_id,
        "ts": ms_to_iso(p.ts_ms),
        "lat": p.lat,
        "lon": p.lon,
        "speedKmh": p.speed_kmh,
        "bearing": p.bearing,
        "accuracyM": p.accuracy_m,
    }
    for name in EXTENSION_FIELDS:
        if name in p.extensions:
            out[name] = p.extensions[name]
    return out

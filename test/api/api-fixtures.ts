/**
 * Test support: small hand-made tiles, positions and counters for the API's tests, and a way to
 * load them into any Store through its one write, commitBatch, so the same data serves the
 * memory store and the SQLite store.
 */
import { cellToLatLng, latLngToCell } from 'h3-js';
import type { PositionEvent } from '../../src/event/position-event.js';
import type { EngineStats, Store, TileRecord } from '../../src/store/store.js';

/** The engine whose counters the fixtures write and the servers read. */
export const ENGINE_ID = 'api-test';
/** One minute in ms. */
export const MINUTE = 60_000;
/** Start of the newest window of the fixtures: 2025-10-04T10:20:00.000Z. */
export const T0 = Date.parse('2025-10-04T10:20:00.000Z');

/** Downtown Crossing, Boston. */
export const BOSTON = { lat: 42.3555, lon: -71.0605 };
/** Heathrow. */
export const LONDON = { lat: 51.47, lon: -0.4543 };

/** Where and what a fixture tile is; res 8 by default. */
export interface TileSpec {
  provider: string;
  lat: number;
  lon: number;
  windowStartMs: number;
  count: number;
  vehicles?: number;
  speeds?: number[];
  res?: number;
}

/** A tile of 5-minute windows at res 8, as an engine would write it. */
export function tileAt(spec: TileSpec): TileRecord {
  const res = spec.res ?? 8;
  const cellId = latLngToCell(spec.lat, spec.lon, res);
  const [lat, lon] = cellToLatLng(cellId);
  const speeds = spec.speeds ?? [];
  const speedSumKmh = speeds.reduce((a, b) => a + b, 0);
  return {
    provider: spec.provider,
    grid: `h3r${res}`,
    cellId,
    windowStartMs: spec.windowStartMs,
    windowEndMs: spec.windowStartMs + 5 * MINUTE,
    count: spec.count,
    vehicles: spec.vehicles ?? 1,
    speedSumKmh,
    speedSamples: speeds.length,
    avgSpeedKmh:
      speeds.length === 0 ? null : Math.round((speedSumKmh / speeds.length) * 1000) / 1000,
    centroid: [lon, lat],
    staleAtMs: spec.windowStartMs + 50 * MINUTE,
  };
}

/** A latest position; extension fields only when given. */
export function positionAt(
  provider: string,
  vehicleId: string,
  where: { lat: number; lon: number },
  tsMs: number,
  extra: Partial<PositionEvent> = {},
): PositionEvent {
  return {
    provider,
    vehicleId,
    lat: where.lat,
    lon: where.lon,
    tsMs,
    speedKmh: null,
    bearing: null,
    accuracyM: null,
    ...extra,
  };
}

/** Counters with the given fields, zero elsewhere. */
export function statsWith(partial: Partial<EngineStats>): EngineStats {
  return {
    accepted: 0,
    duplicates: 0,
    late: 0,
    rejected: {},
    cleaned: {},
    watermarkMs: null,
    newestEventMs: null,
    batches: 0,
    lastBatchAtMs: null,
    ...partial,
  };
}

/** Writes tiles, positions and counters into a store as one committed batch. */
export async function loadStore(
  store: Store,
  data: { tiles?: TileRecord[]; positions?: PositionEvent[]; stats?: EngineStats },
): Promise<void> {
  await store.commitBatch({
    tiles: data.tiles ?? [],
    positions: data.positions ?? [],
    deadLetters: [],
    checkpoint: { engineId: ENGINE_ID, batchId: 1, position: { 0: 1 }, state: '{}' },
    stats: data.stats ?? statsWith({}),
  });
}

/**
 * The standard fixture: MBTA tiles in Boston over three windows (T0-10, T0-5, T0 minutes),
 * an OpenSky tile at Heathrow in the newest window, a few positions, and counters whose
 * watermark lies between the windows' ends.
 */
export function standardData(): {
  tiles: TileRecord[];
  positions: PositionEvent[];
  stats: EngineStats;
} {
  const tiles = [
    tileAt({
      provider: 'mbta',
      ...BOSTON,
      windowStartMs: T0 - 10 * MINUTE,
      count: 2,
      speeds: [10],
    }),
    tileAt({
      provider: 'mbta',
      ...BOSTON,
      windowStartMs: T0 - 5 * MINUTE,
      count: 3,
      speeds: [20, 30],
    }),
    tileAt({ provider: 'mbta', ...BOSTON, windowStartMs: T0, count: 4, vehicles: 2, speeds: [40] }),
    tileAt({ provider: 'mbta', lat: 42.3601, lon: -71.0589, windowStartMs: T0, count: 1 }),
    tileAt({ provider: 'opensky', ...LONDON, windowStartMs: T0, count: 5, vehicles: 5 }),
  ];
  const newest = T0 + 4 * MINUTE;
  const positions = [
    positionAt('mbta', 'y1234', BOSTON, newest - 30_000, {
      speedKmh: 21.6,
      bearing: 90,
      label: '1234',
      routeId: '39',
    }),
    positionAt('mbta', 'y0001', { lat: 42.3601, lon: -71.0589 }, newest - 900_000),
    positionAt('opensky', 'a1b2c3', LONDON, newest, {
      speedKmh: 250,
      altitudeM: 1200,
      onGround: false,
      label: 'BAW123',
    }),
  ];
  const stats = statsWith({
    accepted: 15,
    duplicates: 2,
    late: 1,
    rejected: { bad_json: 1, no_position: 3 },
    cleaned: { bearing: 1 },
    watermarkMs: newest - 600_000,
    newestEventMs: newest,
    batches: 4,
    lastBatchAtMs: newest + 2_000,
  });
  return { tiles, positions, stats };
}

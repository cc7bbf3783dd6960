/**
 * What an engine left in an SQLite store, read back for comparison: every table as rows, and the
 * same tiles and positions in the shape `aggregate` prints (SPEC 4), so that a streaming run can
 * be compared with the batch mode on the same input.
 */
import Database from 'better-sqlite3';

/** Every stored row, in a fixed order. */
export interface StoredRows {
  tiles: unknown[];
  positions: unknown[];
  deadLetters: unknown[];
  stats: Record<string, unknown>;
}

/** Tiles and positions as `aggregate` prints them, less what only one side has. */
export interface AggregateLike {
  tiles: Record<string, unknown>[];
  positions: Record<string, unknown>[];
}

/**
 * Reads every table of a store written by `engine`.
 *
 * @param file - the SQLite file
 * @returns the rows and the counters of its (one) checkpoint, less the wall-clock time
 */
export function readStoredRows(file: string): StoredRows {
  const db = new Database(file, { readonly: true });
  try {
    const stats = JSON.parse(
      (db.prepare('SELECT stats FROM checkpoints').get() as { stats: string }).stats,
    );
    delete stats.lastBatchAtMs;
    return {
      tiles: db.prepare('SELECT * FROM tiles ORDER BY provider, window_start, cell_id').all(),
      positions: db.prepare('SELECT * FROM positions_latest ORDER BY provider, vehicle_id').all(),
      deadLetters: db
        .prepare('SELECT reason, detail, raw FROM dead_letters ORDER BY reason, detail, raw')
        .all(),
      stats,
    };
  } finally {
    db.close();
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Reads the tiles and positions of a store in the order and shape of `aggregate`'s output.
 *
 * @param file - the SQLite file
 * @returns tiles (provider, cellId, windows, count, vehicles, speed) and positions
 */
export function readStoredAsAggregate(file: string): AggregateLike {
  const db = new Database(file, { readonly: true });
  try {
    const tiles = db
      .prepare('SELECT * FROM tiles ORDER BY window_start, provider, cell_id')
      .all() as Record<string, number | string | null>[];
    const positions = db
      .prepare('SELECT * FROM positions_latest ORDER BY provider, vehicle_id')
      .all() as Record<string, number | string | null>[];
    return {
      tiles: tiles.map((t) => ({
        provider: t.provider,
        grid: t.grid,
        cellId: t.cell_id,
        windowStart: iso(t.window_start as number),
        windowEnd: iso(t.window_end as number),
        count: t.count,
        vehicles: t.vehicles,
        avgSpeedKmh: t.avg_speed_kmh,
        speedSamples: t.speed_samples,
      })),
      positions: positions.map((p) => ({
        provider: p.provider,
        vehicleId: p.vehicle_id,
        ts: iso(p.ts as number),
        lat: p.lat,
        lon: p.lon,
        speedKmh: p.speed_kmh,
      })),
    };
  } finally {
    db.close();
  }
}

/**
 * Keeps of `aggregate`'s output the fields readStoredAsAggregate reads, and sorts as it does.
 *
 * @param output - the parsed output of `aggregate`
 * @returns the comparable part
 */
export function comparableAggregate(output: {
  tiles: Record<string, unknown>[];
  positions: Record<string, unknown>[];
}): AggregateLike {
  const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return {
    tiles: output.tiles.map((t) => ({
      provider: t.provider,
      grid: t.grid,
      cellId: t.cellId,
      windowStart: t.windowStart,
      windowEnd: t.windowEnd,
      count: t.count,
      vehicles: t.vehicles,
      avgSpeedKmh: t.avgSpeedKmh,
      speedSamples: t.speedSamples,
    })),
    positions: output.positions
      .map((p) => ({
        provider: p.provider,
        vehicleId: p.vehicleId,
        ts: p.ts,
        lat: p.lat,
        lon: p.lon,
        speedKmh: p.speedKmh ?? null,
      }))
      .sort(
        (a, b) =>
          byCodePoint(String(a.provider), String(b.provider)) ||
          byCodePoint(String(a.vehicleId), String(b.vehicleId)),
      ),
  };
}

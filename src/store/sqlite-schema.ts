/**
 * The tables of the SQLite store and the indexes its reads need. Times are integer epoch
 * milliseconds; a tile's centroid is two columns. Every statement is idempotent, so each
 * connection that opens the file for writing may run them.
 */
import type { SqliteDatabase } from './sqlite-connection.js';

/**
 * Tiles, keyed by (provider, window_start, grid, cell_id). The key's order is chosen for the
 * reads and the writes: one provider's newest window is a range of the key, and the tiles a batch
 * writes (mostly of the current window) land next to each other in the table.
 */
const TILES = `
CREATE TABLE IF NOT EXISTS tiles (
  provider TEXT NOT NULL,
  grid TEXT NOT NULL,
  cell_id TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  window_end INTEGER NOT NULL,
  count INTEGER NOT NULL,
  vehicles INTEGER NOT NULL,
  speed_sum_kmh REAL NOT NULL,
  speed_samples INTEGER NOT NULL,
  avg_speed_kmh REAL,
  centroid_lon REAL NOT NULL,
  centroid_lat REAL NOT NULL,
  stale_at INTEGER NOT NULL,
  PRIMARY KEY (provider, window_start, grid, cell_id)
);
CREATE INDEX IF NOT EXISTS tiles_by_window_start ON tiles (window_start DESC);
CREATE INDEX IF NOT EXISTS tiles_by_window_end ON tiles (window_end DESC, window_start);
CREATE INDEX IF NOT EXISTS tiles_by_stale_at ON tiles (stale_at);
`;

/** Latest positions, one per (provider, vehicle); extensions are null when a report lacks them. */
const POSITIONS = `
CREATE TABLE IF NOT EXISTS positions_latest (
  provider TEXT NOT NULL,
  vehicle_id TEXT NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  ts INTEGER NOT NULL,
  speed_kmh REAL,
  bearing REAL,
  accuracy_m REAL,
  altitude_m REAL,
  on_ground INTEGER,
  label TEXT,
  route_id TEXT,
  mode TEXT,
  PRIMARY KEY (provider, vehicle_id)
);
CREATE INDEX IF NOT EXISTS positions_by_ts ON positions_latest (ts DESC);
`;

/**
 * One row per engine. A plan may be written before the first checkpoint, so the checkpoint
 * columns are nullable; `commit_seq` grows with every commit of any engine, so it tells which
 * engine committed last (a wall clock could give two engines the same millisecond).
 */
const CHECKPOINTS = `
CREATE TABLE IF NOT EXISTS checkpoints (
  engine_id TEXT PRIMARY KEY NOT NULL,
  batch_id INTEGER,
  position TEXT,
  state TEXT,
  stats TEXT,
  plan TEXT,
  commit_seq INTEGER
);
`;

/**
 * Dead letters, newest last. (engine_id, batch_id, seq) names a dead letter within its batch, so
 * a batch committed twice does not keep its dead letters twice.
 */
const DEAD_LETTERS = `
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  raw TEXT NOT NULL,
  provider TEXT,
  at INTEGER NOT NULL,
  engine_id TEXT NOT NULL,
  batch_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  UNIQUE (engine_id, batch_id, seq)
);
`;

/**
 * Creates the store's tables and indexes when they are missing.
 *
 * @param db - a writable connection
 * @throws the driver's error when the file cannot be written
 */
export function createStoreSchema(db: SqliteDatabase): void {
  db.transaction(() => db.exec(`${TILES}${POSITIONS}${CHECKPOINTS}${DEAD_LETTERS}`)).immediate();
}

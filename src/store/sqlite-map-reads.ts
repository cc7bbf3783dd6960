/**
 * The reads of the map routes (SPEC 5) on the SQLite store: the newest window's tiles, tiles
 * merged over the last minutes, and recent positions. "Newest" and "last minutes" follow the
 * stream's clock (the newest data under the provider filter), never the wall clock, so a replay
 * of an old recording shows its own time. Everything is filtered, ordered and cut in SQL; rows
 * come back as arrays, which halves the cost of 20k-tile pages.
 */
import type { StatementCache } from './sqlite-connection.js';
import {
  bboxCondition,
  condition,
  providerCondition,
  validateCount,
  validateDuration,
  whereClause,
  type SqlCondition,
} from './sqlite-map-filter.js';
import {
  MERGED_TILE_SELECT,
  mergedTileFromValues,
  POSITION_SELECT,
  positionFromValues,
  TILE_SELECT,
  tileFromValues,
  type PositionValues,
  type TileValues,
} from './sqlite-rows.js';
import type { MapQuery, PositionPage, TilePage } from './store.js';

/** Tiles read by their window's end (the index of sqlite-schema.ts). */
const RECENT_TILES = 'tiles INDEXED BY tiles_by_window_end';

const EMPTY_TILE_PAGE: TilePage = {
  windowStartMs: null,
  windowEndMs: null,
  tiles: [],
  truncated: false,
};

/** Cuts a list read with `limit + 1` rows to `limit`, telling whether anything was cut. */
function capped<T>(rows: T[], limit: number): { items: T[]; truncated: boolean } {
  return rows.length > limit
    ? { items: rows.slice(0, limit), truncated: true }
    : { items: rows, truncated: false };
}

/**
 * The newest window (greatest start) that has tiles under the provider filter. With a filter,
 * each named provider's newest tile is found through the key (provider, window_start, ...),
 * rather than by scanning every window for the providers' tiles.
 */
function newestWindow(
  statements: StatementCache,
  providers: SqlCondition | null,
): { startMs: number; endMs: number } | undefined {
  const sql =
    providers === null
      ? `SELECT window_start AS startMs, window_end AS endMs FROM tiles
         ORDER BY window_start DESC LIMIT 1`
      : `SELECT t.window_start AS startMs, t.window_end AS endMs
         FROM json_each(@providers) AS p
         JOIN tiles AS t ON t.rowid = (
           SELECT rowid FROM tiles WHERE provider = p.value ORDER BY window_start DESC LIMIT 1)
         ORDER BY t.window_start DESC LIMIT 1`;
  return statements.get(sql).get(providers?.params ?? {}) as
    { startMs: number; endMs: number } | undefined;
}

/**
 * Tiles of the newest window that has data under the provider filter, then kept when their
 * centroid lies in the bbox; the busiest first.
 *
 * @param statements - the store's statements
 * @param query - providers, bbox and limit
 * @returns the window and its tiles; `truncated` when more than `limit` matched
 * @throws StoreError on a bad limit or bbox; the driver's error when the read fails
 */
export function selectLatestTiles(statements: StatementCache, query: MapQuery): TilePage {
  const limit = validateCount('limit', query.limit);
  const providers = providerCondition(query);
  const bbox = bboxCondition(query, 'centroid_lon', 'centroid_lat');

  const newest = newestWindow(statements, providers);
  if (newest === undefined) return EMPTY_TILE_PAGE;

  const inWindow = condition('window_start = @startMs', { startMs: newest.startMs });
  const where = whereClause(inWindow, providers, bbox);
  const rows = statements
    .get(
      `SELECT ${TILE_SELECT} FROM tiles ${where.sql}
       ORDER BY count DESC, provider, cell_id LIMIT @limit`,
      true,
    )
    .all({ ...where.params, limit: limit + 1 }) as TileValues[];
  const page = capped(rows.map(tileFromValues), limit);
  return {
    windowStartMs: newest.startMs,
    windowEndMs: newest.endMs,
    tiles: page.items,
    truncated: page.truncated,
  };
}

/**
 * Tiles of the windows that end within `minutes` of the end of the newest window under the
 * provider filter, merged per cell: counts and speed samples summed, the average recomputed, the
 * latest staleAt kept. A window counts when its end is after that end minus `minutes`.
 *
 * @param statements - the store's statements
 * @param query - providers, bbox, limit and minutes
 * @returns merged tiles, the busiest first; the page spans the earliest merged start to the newest end
 * @throws StoreError on a bad limit, minutes or bbox; the driver's error when the read fails
 */
export function selectTileRange(
  statements: StatementCache,
  query: MapQuery & { minutes: number },
): TilePage {
  const limit = validateCount('limit', query.limit);
  const spanMs = validateDuration('minutes', query.minutes) * 60_000;
  const providers = providerCondition(query);
  const bbox = bboxCondition(query, 'centroid_lon', 'centroid_lat');

  const newest = newestWindow(statements, providers);
  if (newest === undefined) return EMPTY_TILE_PAGE;

  // The recent windows are found through the window_end index, named because SQLite, without
  // statistics, would rather walk every window of the providers, or every older window for MIN
  // (measured: 200-400 ms against 5-90 ms on 40 windows of 20k tiles).
  const recent = condition('window_end > @afterMs', { afterMs: newest.endMs - spanMs });
  const span = whereClause(recent, providers);
  const first = statements
    .get(`SELECT MIN(window_start) AS startMs FROM ${RECENT_TILES} ${span.sql}`)
    .get(span.params) as { startMs: number | null };
  if (first.startMs === null) return EMPTY_TILE_PAGE;

  // Limitation: merged `vehicles` is the largest per-window count, not the distinct vehicles of
  // all windows: tiles keep totals, not vehicle ids, so the union cannot be known here.
  const where = whereClause(recent, providers, bbox);
  const rows = statements
    .get(
      `SELECT ${MERGED_TILE_SELECT} FROM ${RECENT_TILES} ${where.sql}
       GROUP BY provider, grid, cell_id
       ORDER BY total DESC, provider, cell_id LIMIT @limit`,
      true,
    )
    .all({ ...where.params, limit: limit + 1 }) as TileValues[];
  const page = capped(rows.map(mergedTileFromValues), limit);
  return {
    windowStartMs: first.startMs,
    windowEndMs: newest.endMs,
    tiles: page.items,
    truncated: page.truncated,
  };
}

/**
 * Latest positions seen within `maxAgeSec` of the newest position under the provider filter,
 * kept when they lie in the bbox; newest first.
 *
 * @param statements - the store's statements
 * @param query - providers, bbox, limit and maxAgeSec
 * @returns the positions; `truncated` when more than `limit` matched
 * @throws StoreError on a bad limit, maxAgeSec or bbox; the driver's error when the read fails
 */
export function selectPositions(
  statements: StatementCache,
  query: MapQuery & { maxAgeSec: number },
): PositionPage {
  const limit = validateCount('limit', query.limit);
  const maxAgeMs = validateDuration('maxAgeSec', query.maxAgeSec) * 1000;
  const providers = providerCondition(query);
  const bbox = bboxCondition(query, 'lon', 'lat');

  const scope = whereClause(providers);
  const newest = statements
    .get(`SELECT ts FROM positions_latest ${scope.sql} ORDER BY ts DESC LIMIT 1`)
    .get(scope.params) as { ts: number } | undefined;
  if (newest === undefined) return { positions: [], truncated: false, clockMs: null };

  const recent = condition('ts >= @sinceMs', { sinceMs: newest.ts - maxAgeMs });
  const where = whereClause(recent, providers, bbox);
  const rows = statements
    .get(
      `SELECT ${POSITION_SELECT} FROM positions_latest ${where.sql}
       ORDER BY ts DESC, provider, vehicle_id LIMIT @limit`,
      true,
    )
    .all({ ...where.params, limit: limit + 1 }) as PositionValues[];
  const page = capped(rows.map(positionFromValues), limit);
  return { positions: page.items, truncated: page.truncated, clockMs: newest.ts };
}

/**
 * The reads of the map routes (SPEC 5) on the MongoDB store, with the same answers as the SQLite
 * store: the newest window's tiles, tiles merged over the last minutes, and recent positions,
 * "newest" following the stream's clock under the provider filter. Boxes are filtered on the
 * plain `lon`/`lat` fields, which every MongoDB-wire server can index, so the reads need neither
 * 2dsphere indexes nor `$group` operators that FerretDB lacks; ranges are merged here.
 */
import type { Collection, Filter } from 'mongodb';
import {
  positionFromDocument,
  tileFromDocument,
  type PositionDocument,
  type TileDocument,
} from './mongo-documents.js';
import { validateCount, validateDuration } from './sqlite-map-filter.js';
import { StoreError } from '../errors.js';
import {
  mergeTilesOverWindows,
  type MapQuery,
  type PositionPage,
  type TilePage,
  type TileRecord,
} from './store.js';

const EMPTY_TILE_PAGE: TilePage = {
  windowStartMs: null,
  windowEndMs: null,
  tiles: [],
  truncated: false,
};

/** The provider and box filters of a query, as a MongoDB filter on `lon`/`lat`. */
function mapFilter<T extends { provider: string; lon: number; lat: number }>(
  query: MapQuery,
  withBox = true,
): Filter<T> {
  const filter: Record<string, unknown> = {};
  if (query.providers !== undefined && query.providers.length > 0) {
    filter.provider = { $in: query.providers };
  }
  const bbox = query.bbox;
  if (withBox && bbox !== undefined) {
    if (bbox.length !== 4 || !bbox.every(Number.isFinite)) {
      throw new StoreError(`bbox must hold four finite numbers, got ${JSON.stringify(bbox)}`);
    }
    const [minLon, minLat, maxLon, maxLat] = bbox;
    filter.lat = { $gte: minLat, $lte: maxLat };
    // A box whose west edge is east of its east edge crosses the antimeridian (RFC 7946, 5.2).
    if (minLon <= maxLon) filter.lon = { $gte: minLon, $lte: maxLon };
    else filter.$or = [{ lon: { $gte: minLon } }, { lon: { $lte: maxLon } }];
  }
  return filter as Filter<T>;
}

function capped<T>(rows: T[], limit: number): { items: T[]; truncated: boolean } {
  return rows.length > limit
    ? { items: rows.slice(0, limit), truncated: true }
    : { items: rows, truncated: false };
}

/** The busiest first, then by provider and cell, as the SQLite store orders them. */
function byCountThenCell(a: TileRecord, b: TileRecord): number {
  if (a.count !== b.count) return b.count - a.count;
  if (a.provider !== b.provider) return a.provider < b.provider ? -1 : 1;
  return a.cellId < b.cellId ? -1 : a.cellId > b.cellId ? 1 : 0;
}

/** The newest window (greatest start) that has tiles under the provider filter. */
async function newestWindow(
  tiles: Collection<TileDocument>,
  query: MapQuery,
): Promise<{ start: Date; end: Date } | null> {
  const newest = await tiles
    .find(mapFilter<TileDocument>(query, false), { projection: { windowStart: 1, windowEnd: 1 } })
    .sort({ windowStart: -1 })
    .limit(1)
    .next();
  return newest === null ? null : { start: newest.windowStart, end: newest.windowEnd };
}

/**
 * Tiles of the newest window that has data under the provider filter, kept when their centroid
 * lies in the bbox; the busiest first.
 *
 * @param tiles - the `tiles` collection
 * @param query - providers, bbox and limit
 * @returns the window and its tiles; `truncated` when more than `limit` matched
 * @throws StoreError on a bad limit or bbox; the driver's error when the read fails
 */
export async function findLatestTiles(
  tiles: Collection<TileDocument>,
  query: MapQuery,
): Promise<TilePage> {
  const limit = validateCount('limit', query.limit);
  const filter = mapFilter<TileDocument>(query);
  const newest = await newestWindow(tiles, query);
  if (newest === null) return EMPTY_TILE_PAGE;

  const docs = await tiles
    .find({ ...filter, windowStart: newest.start })
    .sort({ count: -1, provider: 1, cellId: 1 })
    .limit(limit + 1)
    .toArray();
  const page = capped(docs.map(tileFromDocument).sort(byCountThenCell), limit);
  return {
    windowStartMs: newest.start.getTime(),
    windowEndMs: newest.end.getTime(),
    tiles: page.items,
    truncated: page.truncated,
  };
}

/**
 * Tiles of the windows that end within `minutes` of the end of the newest window under the
 * provider filter, merged per cell: counts and speed samples summed, the average recomputed, the
 * latest staleAt kept.
 *
 * @param tiles - the `tiles` collection
 * @param query - providers, bbox, limit and minutes
 * @returns merged tiles, the busiest first
 * @throws StoreError on a bad limit, minutes or bbox; the driver's error when the read fails
 */
export async function findTileRange(
  tiles: Collection<TileDocument>,
  query: MapQuery & { minutes: number },
): Promise<TilePage> {
  const limit = validateCount('limit', query.limit);
  const spanMs = validateDuration('minutes', query.minutes) * 60_000;
  const filter = mapFilter<TileDocument>(query);
  const newest = await newestWindow(tiles, query);
  if (newest === null) return EMPTY_TILE_PAGE;

  const after = new Date(newest.end.getTime() - spanMs);
  const first = await tiles
    .find({ ...mapFilter<TileDocument>(query, false), windowEnd: { $gt: after } })
    .sort({ windowStart: 1 })
    .limit(1)
    .next();
  if (first === null) return EMPTY_TILE_PAGE;

  const docs = await tiles.find({ ...filter, windowEnd: { $gt: after } }).toArray();
  const all = mergeTilesOverWindows(docs.map(tileFromDocument));
  const page = capped(all.sort(byCountThenCell), limit);
  return {
    windowStartMs: first.windowStart.getTime(),
    windowEndMs: newest.end.getTime(),
    tiles: page.items,
    truncated: page.truncated,
  };
}

/**
 * Latest positions seen within `maxAgeSec` of the newest position under the provider filter,
 * kept when they lie in the bbox; newest first.
 *
 * @param positions - the `positions_latest` collection
 * @param query - providers, bbox, limit and maxAgeSec
 * @returns the positions; `truncated` when more than `limit` matched
 * @throws StoreError on a bad limit, maxAgeSec or bbox; the driver's error when the read fails
 */
export async function findPositions(
  positions: Collection<PositionDocument>,
  query: MapQuery & { maxAgeSec: number },
): Promise<PositionPage> {
  const limit = validateCount('limit', query.limit);
  const maxAgeMs = validateDuration('maxAgeSec', query.maxAgeSec) * 1000;
  const filter = mapFilter<PositionDocument>(query);
  const newest = await positions
    .find(mapFilter<PositionDocument>(query, false), { projection: { ts: 1 } })
    .sort({ ts: -1 })
    .limit(1)
    .next();
  if (newest === null) return { positions: [], truncated: false, clockMs: null };

  const since = new Date(newest.ts.getTime() - maxAgeMs);
  const docs = await positions
    .find({ ...filter, ts: { $gte: since } })
    .sort({ ts: -1, provider: 1, vehicleId: 1 })
    .limit(limit + 1)
    .toArray();
  const page = capped(docs.map(positionFromDocument), limit);
  return { positions: page.items, truncated: page.truncated, clockMs: newest.ts.getTime() };
}

/**
 * GeoJSON FeatureCollections of the map routes (SPEC 5, RFC 7946): tiles become hexagon Polygons
 * and latest positions become Points, with times as ISO-8601 UTC. The window, completeness,
 * stream clock and truncation ride as foreign members of the collection (RFC 7946, section 6.1),
 * where the page reads them without walking the features.
 */
import { latLngToLngLat } from '../event/lng-lat.js';
import type { PositionEvent } from '../event/position-event.js';
import { msToIso } from '../event/time-format.js';
import type { PositionPage, TilePage, TileRecord } from '../store/store.js';
import { cellToGeoJsonRing } from './cell-geometry.js';

/** Properties of one hexagon. */
export interface TileProperties {
  cellId: string;
  provider: string;
  windowStart: string;
  windowEnd: string;
  count: number;
  vehicles: number;
  avgSpeedKmh: number | null;
  /** How many speeds the average is over, so a client can weigh averages when it merges cells. */
  speedSamples: number;
}

/** One hexagon: the outline of its cell and the tile's numbers. */
export interface TileFeature {
  type: 'Feature';
  geometry: { type: 'Polygon'; coordinates: number[][][] };
  properties: TileProperties;
}

/** Hexagons of one window (latest) or of several windows merged (range). */
export interface TileCollection {
  type: 'FeatureCollection';
  /** Start of the oldest window shown, null when the store has no tile. */
  windowStart: string | null;
  /** End of the newest window shown, null when the store has no tile. */
  windowEnd: string | null;
  /** True once windowEnd is at or before the engine's watermark: no more data will change it. */
  complete: boolean;
  /** True when `limit` cut the list. */
  truncated: boolean;
  features: TileFeature[];
}

/** Properties of one vehicle; extension fields a report lacks are null, so every feature has the same keys. */
export interface PositionProperties {
  vehicleId: string;
  provider: string;
  ts: string;
  speedKmh: number | null;
  bearing: number | null;
  label: string | null;
  routeId: string | null;
  altitudeM: number | null;
  onGround: boolean | null;
  mode: string | null;
  /** Seconds from this report to the stream's clock. */
  ageSec: number;
}

/** One vehicle at its latest position. */
export interface PositionFeature {
  type: 'Feature';
  /** `<provider>:<vehicleId>`, the report's Kafka key (SPEC 1), unique in a collection. */
  id: string;
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: PositionProperties;
}

/** Latest positions, one per vehicle. */
export interface PositionCollection {
  type: 'FeatureCollection';
  /** The stream's clock the ages are measured from; null when there is no data at all. */
  clock: string | null;
  truncated: boolean;
  features: PositionFeature[];
}

/**
 * Whether a window can still change: SPEC 3 calls it complete once its end is at or before the
 * watermark.
 *
 * @param windowEndMs - the window's end, epoch ms, or null for no window
 * @param watermarkMs - the engine's watermark, epoch ms, or null before the first event
 * @returns true when both are known and windowEndMs <= watermarkMs
 */
export function isWindowComplete(windowEndMs: number | null, watermarkMs: number | null): boolean {
  return windowEndMs !== null && watermarkMs !== null && windowEndMs <= watermarkMs;
}

/**
 * Builds the hexagon collection of a page of tiles.
 *
 * @param page - tiles as a store returned them
 * @param watermarkMs - the engine's watermark, to decide `complete`
 * @returns the FeatureCollection, in the store's order
 * @throws InvalidCellError when a tile carries a cell id that is not a valid H3 cell
 */
export function tilePageToGeoJson(page: TilePage, watermarkMs: number | null): TileCollection {
  // Tiles of one page share a few window bounds: format each once, not twice per tile.
  const isoTexts = new Map<number, string>();
  const isoOf = (ms: number): string => {
    let text = isoTexts.get(ms);
    if (text === undefined) isoTexts.set(ms, (text = msToIso(ms)));
    return text;
  };
  return {
    type: 'FeatureCollection',
    windowStart: page.windowStartMs === null ? null : msToIso(page.windowStartMs),
    windowEnd: page.windowEndMs === null ? null : msToIso(page.windowEndMs),
    complete: isWindowComplete(page.windowEndMs, watermarkMs),
    truncated: page.truncated,
    features: page.tiles.map((tile) => tileToFeature(tile, isoOf)),
  };
}

/**
 * Turns one tile into a hexagon feature.
 *
 * @param tile - a tile record
 * @param isoOf - formats epoch ms as ISO-8601 UTC (msToIso, or a memo of it)
 * @returns the Polygon feature of its cell
 * @throws InvalidCellError when the tile's cell id is not a valid H3 cell
 */
export function tileToFeature(
  tile: TileRecord,
  isoOf: (ms: number) => string = msToIso,
): TileFeature {
  return {
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [cellToGeoJsonRing(tile.cellId)] },
    properties: {
      cellId: tile.cellId,
      provider: tile.provider,
      windowStart: isoOf(tile.windowStartMs),
      windowEnd: isoOf(tile.windowEndMs),
      count: tile.count,
      vehicles: tile.vehicles,
      avgSpeedKmh: tile.avgSpeedKmh,
      speedSamples: tile.speedSamples,
    },
  };
}

/**
 * Builds the vehicle collection of a page of latest positions. Ages are measured from the later
 * of `streamClockMs` and the newest report in the page, so no age is negative.
 *
 * @param page - positions as a store returned them
 * @param streamClockMs - the stream's clock (the engine's newest event time), or null
 * @returns the FeatureCollection, in the store's order
 */
export function positionPageToGeoJson(
  page: PositionPage,
  streamClockMs: number | null,
): PositionCollection {
  let clockMs = streamClockMs ?? Number.NEGATIVE_INFINITY;
  for (const position of page.positions) clockMs = Math.max(clockMs, position.tsMs);
  const known = Number.isFinite(clockMs);

  return {
    type: 'FeatureCollection',
    clock: known ? msToIso(clockMs) : null,
    truncated: page.truncated,
    features: page.positions.map((position) => positionToFeature(position, clockMs)),
  };
}

/**
 * Turns one latest position into a vehicle feature.
 *
 * @param position - a latest position
 * @param clockMs - the stream's clock, at or after the position's time
 * @returns the Point feature at [lon, lat]
 */
export function positionToFeature(position: PositionEvent, clockMs: number): PositionFeature {
  return {
    type: 'Feature',
    id: `${position.provider}:${position.vehicleId}`,
    geometry: { type: 'Point', coordinates: latLngToLngLat(position.lat, position.lon) },
    properties: {
      vehicleId: position.vehicleId,
      provider: position.provider,
      ts: msToIso(position.tsMs),
      speedKmh: position.speedKmh ?? null,
      bearing: position.bearing ?? null,
      label: position.label ?? null,
      routeId: position.routeId ?? null,
      altitudeM: position.altitudeM ?? null,
      onGround: position.onGround ?? null,
      mode: position.mode ?? null,
      ageSec: (clockMs - position.tsMs) / 1000,
    },
  };
}

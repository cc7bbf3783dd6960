/**
 * Hexagon outlines for the map: an H3 cell id becomes one closed GeoJSON ring that a map draws
 * small, wherever the cell lies. Rings are cached, because the page asks for the same thousands
 * of cells every few seconds and h3-js takes about 13 µs per outline.
 *
 * The antimeridian (RFC 7946, section 3.1.9): a cell that crosses ±180° comes back from h3 with
 * longitudes from both ends of the range, and a map would draw it as a band around the world.
 * We shift instead of cutting: the ring is made continuous and placed so that it starts in
 * [-180, 180), so a crossing cell always reads 179.6 … 180.4, on the eastern side. Why not cut it
 * in two, as 3.1.9 recommends? One cell stays one Polygon with one ring, which the page colours,
 * hit-tests and diffs by cell; Leaflet does not wrap coordinates, so it draws 179.6 … 180.4 as one
 * small hexagon at the right edge of the world, where cut halves would sit at opposite edges.
 *
 * The poles: the one cell per resolution that contains a pole cannot be drawn within 180° of
 * longitude, because its outline goes all the way round. It becomes the cap that RFC 7946,
 * section 5.3 describes for a box around a pole: from -180 to 180 and up (or down) to the pole.
 */
import { cellToBoundary, isValidCell } from 'h3-js';
import { InvalidCellError } from '../errors.js';

/** How many rings the cache keeps: two full responses of 20,000 cells, and some room. */
export const RING_CACHE_CAPACITY = 50_000;

// RFC 7946, section 11.2: six decimals are about 10 cm, far below a hexagon's size, and make
// a 20,000-cell response about 40% smaller than the 15 digits h3 gives.
const DECIMALS_FACTOR = 1e6;

/** Rings by cell id, oldest use first (a Map keeps insertion order: a hit moves to the end). */
const rings = new Map<string, number[][]>();

/** The JSON text of each cached ring, computed once, so a response can reuse it (see ringToJson). */
const ringTexts = new WeakMap<number[][], string>();

/**
 * Turns a cell id into its outline as a closed GeoJSON ring of [longitude, latitude] positions.
 *
 * h3-js is asked for the outline in GeoJSON order directly (`cellToBoundary(cellId, true)`),
 * so no pair is swapped here; single positions go through event/lng-lat.ts.
 * The ring is counterclockwise (RFC 7946, section 3.1.6), rounded to 6 decimals, spans at most
 * 180° of longitude except for a cell that contains a pole (see the module comment), and is
 * shared and frozen: callers must not change it.
 *
 * @param cellId - an H3 cell id, such as `882a306615fffff`
 * @returns the closed ring, first position repeated last
 * @throws InvalidCellError when `cellId` is not a valid H3 cell (h3-js would draw garbage)
 */
export function cellToGeoJsonRing(cellId: string): number[][] {
  const cached = rings.get(cellId);
  if (cached !== undefined) {
    rings.delete(cellId);
    rings.set(cellId, cached);
    return cached;
  }

  const ring = computeRing(cellId);
  rings.set(cellId, ring);
  ringTexts.set(ring, JSON.stringify(ring));
  if (rings.size > RING_CACHE_CAPACITY) {
    const oldest = rings.keys().next().value;
    if (oldest !== undefined) rings.delete(oldest);
  }
  return ring;
}

/**
 * The JSON text of a ring, reused from the cache when the ring came from cellToGeoJsonRing.
 *
 * @param ring - a ring, usually one returned by cellToGeoJsonRing
 * @returns the ring as JSON, e.g. `[[-71.057946,42.357422],...]`
 */
export function ringToJson(ring: number[][]): string {
  return ringTexts.get(ring) ?? JSON.stringify(ring);
}

/**
 * How many rings the cache holds now (for tests and metrics).
 *
 * @returns the number of cached rings, at most RING_CACHE_CAPACITY
 */
export function ringCacheSize(): number {
  return rings.size;
}

/** Computes a ring without the cache: validate, fetch, unwrap, place, round. */
function computeRing(cellId: string): number[][] {
  // Validate: h3-js returns an outline even for ids such as "zz", so check first.
  if (!isValidCell(cellId)) {
    throw new InvalidCellError(`"${cellId.slice(0, 40)}" is not a valid H3 cell id`);
  }

  // Fetch: GeoJSON order and closed, then drop the repeated last position while we work.
  const boundary = cellToBoundary(cellId, true);
  const open = boundary.slice(0, -1).map(([lng, lat]) => [lng as number, lat as number]);

  // Unwrap: each step takes the short way round, so the longitudes become continuous.
  const lons = unwrapLongitudes(open.map((position) => position[0] as number));
  const first = lons[0] as number;
  const last = lons[lons.length - 1] as number;
  const winding = last + shortestStep(open[0]![0]! - open[open.length - 1]![0]!) - first;

  // Place: a ring that goes round a pole (winding ±360°) becomes a cap; others start in [-180, 180).
  if (Math.abs(winding) > 180) return freeze(poleCap(open, lons, winding > 0));
  const min = Math.min(...lons);
  const shift = min < -180 ? 360 : 0;
  const ring = open.map((position, i) => [round(lons[i]! + shift), round(position[1]!)]);
  ring.push(ring[0]!);
  return freeze(ring);
}

/** Longitude steps of more than 180° go the other way round. */
function shortestStep(delta: number): number {
  return delta - 360 * Math.round(delta / 360);
}

/** Makes a list of longitudes continuous, starting from the first. */
function unwrapLongitudes(raw: number[]): number[] {
  const out = [raw[0] as number];
  for (let i = 1; i < raw.length; i += 1) {
    out.push(out[i - 1]! + shortestStep(raw[i]! - raw[i - 1]!));
  }
  return out;
}

/**
 * The cap of a cell around a pole: its vertices from -180 to 180, then the pole edge. RFC 7946,
 * section 5.3 describes an extent around a pole the same way (from 180°W to 180°E).
 */
function poleCap(open: number[][], lons: number[], eastward: boolean): number[][] {
  // Order: walk eastward, starting just after the step that crosses the antimeridian.
  const order = open.map((position, i) => [lons[i]!, position[1]!]);
  if (!eastward) order.reverse();
  let crossing = 0;
  let largestDrop = 0;
  for (let i = 0; i < order.length; i += 1) {
    const lon = normalizeLongitude(order[i]![0]!);
    const next = normalizeLongitude(order[(i + 1) % order.length]![0]!);
    if (lon - next > largestDrop) [crossing, largestDrop] = [i, lon - next];
  }
  const walk = order.map((_, i) => order[(crossing + 1 + i) % order.length]!);
  const vertices = walk.map(([lon, lat]) => [normalizeLongitude(lon!), lat!]);

  // Edge: where the crossing step meets ±180, by linear interpolation in longitude.
  const before = walk[walk.length - 1]!;
  const after = walk[0]!;
  const beforeLon = normalizeLongitude(before[0]!);
  const afterLon = normalizeLongitude(after[0]!) + 360;
  const t = afterLon === beforeLon ? 0 : (180 - beforeLon) / (afterLon - beforeLon);
  const edgeLat = before[1]! + t * (after[1]! - before[1]!);

  // Close: along the vertices eastward, up (or down) to the pole at 180, back west to -180.
  const north = vertices.reduce((sum, position) => sum + position[1]!, 0) > 0;
  const poleLat = north ? 90 : -90;
  const cap = [[-180, edgeLat], ...vertices, [180, edgeLat], [180, poleLat], [-180, poleLat]];
  const rounded = dropRepeats(cap.map(([lon, lat]) => [round(lon!), round(lat!)]));
  // North of the vertices the walk above is counterclockwise; south of them it is clockwise.
  if (!north) rounded.reverse();
  rounded.push(rounded[0]!);
  return rounded;
}

/** Longitude in [-180, 180). */
function normalizeLongitude(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

/** Drops a position equal to the one before it (a vertex exactly on the antimeridian). */
function dropRepeats(positions: number[][]): number[][] {
  return positions.filter((position, i) => {
    const previous = positions[i - 1];
    return previous === undefined || previous[0] !== position[0] || previous[1] !== position[1];
  });
}

function round(value: number): number {
  return Math.round(value * DECIMALS_FACTOR) / DECIMALS_FACTOR;
}

function freeze(ring: number[][]): number[][] {
  for (const position of ring) Object.freeze(position);
  return Object.freeze(ring) as number[][];
}

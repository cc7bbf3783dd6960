/**
 * Tumbling windows and cells (SPEC 3): windows `TILE_MINUTES` long aligned to the Unix epoch in
 * UTC, cells the H3 index of a position at `H3_RES` as a lowercase hex string.
 */
import { cellToLatLng, latLngToCell } from 'h3-js';
import { latLngToLngLat, type LngLat } from '../event/lng-lat.js';

/**
 * The start of the window holding a time.
 *
 * @param tsMs - epoch milliseconds (times before 1970 are fine)
 * @param windowMs - window length in milliseconds
 * @returns the window start in epoch milliseconds
 */
export function windowStartOf(tsMs: number, windowMs: number): number {
  return Math.floor(tsMs / windowMs) * windowMs;
}

/**
 * The H3 cell of a position.
 *
 * @param lat - latitude in degrees
 * @param lon - longitude in degrees
 * @param res - H3 resolution 0..15
 * @returns the cell as a 15-character lowercase hex string
 * @throws H3Error from h3-js when the position or resolution is invalid (validation prevents it)
 */
export function latLngToCellId(lat: number, lon: number, res: number): string {
  return latLngToCell(lat, lon, res);
}

/** Rounds a centre coordinate to 1e-9 degrees (about 0.1 mm). */
function roundDegrees(deg: number): number {
  return Math.floor(deg * 1e9 + 0.5) / 1e9;
}

/**
 * The centre of a cell, in GeoJSON order, rounded to 1e-9 degrees. h3-js runs H3's C code
 * compiled to JavaScript with V8's sin, cos and atan2, so about one centre in five differs from
 * the C library's (the PySpark job's `h3`) in the last bit; rounding, done alike in both engines,
 * makes their tiles equal.
 *
 * @param cellId - an H3 cell
 * @returns [longitude, latitude]
 */
export function cellToCentroid(cellId: string): LngLat {
  const [lat, lng] = cellToLatLng(cellId);
  return latLngToLngLat(roundDegrees(lat), roundDegrees(lng));
}

/** The grid name of a resolution, as tiles carry it: `h3r8`. */
export function gridName(res: number): string {
  return `h3r${res}`;
}

/**
 * Rounds an average speed to the metre per hour, so that engines summing in other orders agree
 * (floor(x * 1000 + 0.5) / 1000, the same formula in the PySpark job).
 *
 * @param speedSum - sum of speeds in km/h
 * @param samples - number of speeds summed
 * @returns the rounded mean, or null when there is no sample
 */
export function averageSpeed(speedSum: number, samples: number): number | null {
  return samples === 0 ? null : Math.floor((speedSum / samples) * 1000 + 0.5) / 1000;
}

/**
 * The one place the page turns GeoJSON positions, [longitude, latitude] (RFC 7946, section
 * 3.1.1), into Leaflet's [latitude, longitude]. Hexagon rings and vehicle points both pass here.
 */
import type { LngLat } from './api-types.js';

/** Leaflet's order: [latitude, longitude]. */
export type LatLngPair = [number, number];

/**
 * Checks that a value is a usable GeoJSON position.
 *
 * @param value - anything from a response
 * @returns true for an array of two or more finite numbers with latitude within -90..90
 */
export function isLngLat(value: unknown): value is LngLat {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    Number.isFinite(value[0]) &&
    Number.isFinite(value[1]) &&
    Math.abs(value[1] as number) <= 90
  );
}

/**
 * Swaps a GeoJSON position into Leaflet's order.
 *
 * @param position - [longitude, latitude]
 * @returns [latitude, longitude]
 */
export function lngLatToLatLng(position: LngLat): LatLngPair {
  return [position[1], position[0]];
}

/**
 * Turns a closed GeoJSON ring into Leaflet's open polygon outline. Leaflet closes polygons itself,
 * so the repeated last position (RFC 7946, section 3.1.6) is dropped.
 *
 * @param ring - a linear ring, first position repeated last
 * @returns the outline in [latitude, longitude] order, without the closing repeat
 */
export function ringToLatLngs(ring: readonly LngLat[]): LatLngPair[] {
  const usable = ring.filter(isLngLat);
  const first = usable[0];
  const last = usable[usable.length - 1];
  const closed =
    first !== undefined &&
    last !== undefined &&
    usable.length > 1 &&
    first[0] === last[0] &&
    first[1] === last[1];
  return (closed ? usable.slice(0, -1) : usable).map(lngLatToLatLng);
}

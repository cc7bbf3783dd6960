/**
 * Coordinate order. Events, h3 and Leaflet speak latitude first; GeoJSON (RFC 7946, section
 * 3.1.1) speaks longitude first. This is the one place the server turns a latitude-first pair
 * into GeoJSON order; hexagon rings come from h3-js already in GeoJSON order
 * (`cellToBoundary(cell, true)`, see api/cell-geometry.ts).
 */

/** [longitude, latitude], GeoJSON order. */
export type LngLat = [number, number];

/**
 * A position in GeoJSON order.
 *
 * @param lat - latitude in degrees
 * @param lng - longitude in degrees
 * @returns [lng, lat]
 */
export function latLngToLngLat(lat: number, lng: number): LngLat {
  return [lng, lat];
}

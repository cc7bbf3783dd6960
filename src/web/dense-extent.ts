/**
 * Where the data is dense: the box the map fits on its first draw and on "Fit map to data".
 *
 * The box of everything drawn is the wrong target on real feeds. MBTA's commuter rail runs 80 km
 * out of Boston (to Providence, Worcester, Newburyport; MBTA GTFS `routes.txt`, route_type 2), so
 * a handful of trains stretch the box of the whole fleet over eastern Massachusetts; at the zoom
 * that fits it, a resolution-8 hexagon (0.74 km², H3's table of cell areas) is a speck of 3-4 px,
 * hidden under the vehicle dots, and the heatmap reads as a cloud of dots.
 *
 * So the extent is taken over the central share of the reports only: the shapes' centres are
 * ranked in latitude and in longitude, each weighted by its reports, and the lightest 2% at each
 * end of each axis are cut (the 2nd..98th weighted percentile). Weighting matters: a train at
 * 100 km/h leaves a trail of hexagons with one or two reports each; near the end of a 5-minute
 * window of the MBTA demo, cells more than 25 km from downtown were 7% of all cells but held under
 * 1% of the reports, so that cells counted alike would widen the box again. The box then covers the whole outline
 * of every shape whose centre is kept, so that no kept hexagon is cut at the edge of the screen.
 *
 * Leaflet stays out of this module, so that the choice is tested on its own.
 */
import type { LatLngPair } from './lng-lat.js';

/** Something drawn, as the extent sees it. */
export interface WeightedShape {
  /** A hexagon's outline without its closing repeat, or a vehicle's single point. */
  points: readonly LatLngPair[];
  /** How much the shape counts: a hexagon's reports, 1 for a vehicle. */
  weight: number;
}

/** A box in degrees; south <= north and west <= east. */
export interface LatLngBox {
  south: number;
  west: number;
  north: number;
  east: number;
}

/** The share of the weight cut at each end of each axis: the 2nd..98th percentile. */
export const DEFAULT_TRIM = 0.02;

/**
 * The bounds of the central share of weighted values. Only values whose whole weight lies in the
 * cut share are left out, so that a set where one value outweighs the cut loses nothing there: a
 * few shapes of equal weight (fewer than 1 / trim) are all kept.
 *
 * @param values - values with positive weights, at least one
 * @param trim - the share of the total weight to cut at each end, 0 to below 0.5
 * @returns the lowest and highest value kept
 */
export function weightedRangeOf(
  values: readonly { value: number; weight: number }[],
  trim: number,
): [number, number] {
  const sorted = [...values].sort((a, b) => a.value - b.value);
  const cut = trim * sorted.reduce((sum, v) => sum + v.weight, 0);
  const firstKept = (order: typeof sorted): number => {
    let passed = 0;
    for (const { value, weight } of order) {
      passed += weight;
      if (passed > cut) return value;
    }
    return (order[order.length - 1] as { value: number }).value;
  };
  return [firstKept(sorted), firstKept([...sorted].reverse())];
}

/**
 * The centre of a shape, as the mean of its points. For an H3 hexagon this is within metres of
 * the cell's own centre; for a vehicle it is the vehicle.
 *
 * @param points - the outline of a hexagon (without its closing repeat) or a single point
 * @returns [latitude, longitude], or null for a shape without points
 */
export function centreOf(points: readonly LatLngPair[]): LatLngPair | null {
  if (points.length === 0) return null;
  let lat = 0;
  let lng = 0;
  for (const [a, b] of points) {
    lat += a;
    lng += b;
  }
  return [lat / points.length, lng / points.length];
}

/**
 * The box of where most reports are, leaving out the outliers.
 *
 * @param shapes - hexagons or vehicles, [latitude, longitude]; shapes without points or without
 *   a positive finite weight are ignored
 * @param trim - the share of the weight to cut at each end of each axis, 0 to below 0.5
 * @returns the box around the kept shapes, or null when no shape can be placed
 * @throws RangeError when trim is not within 0 to below 0.5
 */
export function denseExtentOf(
  shapes: readonly WeightedShape[],
  trim: number = DEFAULT_TRIM,
): LatLngBox | null {
  if (!(trim >= 0 && trim < 0.5)) throw new RangeError(`trim must be in [0, 0.5), got ${trim}`);

  // Centres: one per shape that has points and weight.
  const placed: { points: readonly LatLngPair[]; centre: LatLngPair; weight: number }[] = [];
  for (const { points, weight } of shapes) {
    const centre = centreOf(points);
    if (centre !== null && Number.isFinite(weight) && weight > 0) {
      placed.push({ points, centre, weight });
    }
  }
  if (placed.length === 0) return null;

  // Trim: the weighted percentile range of the centres, each axis on its own.
  // Limitation: longitudes are ranked as numbers, so data on both sides of the antimeridian
  // (aircraft over the Pacific) gets a box around the whole world instead of across 180°.
  const [south, north] = weightedRangeOf(
    placed.map((p) => ({ value: p.centre[0], weight: p.weight })),
    trim,
  );
  const [west, east] = weightedRangeOf(
    placed.map((p) => ({ value: p.centre[1], weight: p.weight })),
    trim,
  );

  // Extend: the whole outline of every shape whose centre lies in both ranges.
  const box: LatLngBox = { south: Infinity, west: Infinity, north: -Infinity, east: -Infinity };
  for (const { points, centre } of placed) {
    const [lat, lng] = centre;
    if (lat < south || lat > north || lng < west || lng > east) continue;
    for (const [a, b] of points) {
      box.south = Math.min(box.south, a);
      box.north = Math.max(box.north, a);
      box.west = Math.min(box.west, b);
      box.east = Math.max(box.east, b);
    }
  }

  // With a large trim no single centre may lie inside both ranges; the ranges themselves remain.
  return box.south <= box.north ? box : { south, west, north, east };
}

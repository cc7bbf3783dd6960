/**
 * How hexagons and vehicle markers look at a given scale. The heat is the hexagons; the markers
 * are the detail. Seen from far, a fleet of a few hundred vehicles at full size covers the small
 * hexagons under it (on the MBTA demo, 400 buses and trains over 0.74 km² cells at zoom 9-10), so
 * markers shrink and fade as the view widens, and the hexagons lose their outline, which on a cell
 * only a few pixels wide would be most of what is drawn. Close up, the markers grow to a size a
 * finger can hit and the hexagons get a thin outline that separates neighbours of one colour.
 *
 * Leaflet stays out of this module: the functions return plain path options.
 */

/** The style of a vehicle marker (Leaflet circle marker options). */
export interface MarkerStyle {
  /** Radius in pixels. */
  radius: number;
  /** Width of the white outline in pixels; 0 draws none. */
  weight: number;
  fillOpacity: number;
}

/** The style of a hexagon (Leaflet path options); the fill colour comes from the scale. */
export interface HexagonStyle {
  /** Width of the white outline in pixels; 0 draws none. */
  weight: number;
  /** Opacity of the outline. */
  opacity: number;
  fillOpacity: number;
}

/**
 * Steps of the marker style, from the widest view in. Below zoom 12 a city's network fills the
 * screen and the markers stay small and see-through; Leaflet's zoom 12 is about 40 m a pixel at
 * Boston's latitude, where the streets of one neighbourhood fill the map and a vehicle is worth a
 * proper dot.
 */
const MARKER_STEPS: readonly { below: number; style: MarkerStyle }[] = [
  { below: 10, style: { radius: 2, weight: 0, fillOpacity: 0.65 } },
  { below: 12, style: { radius: 2.5, weight: 0.5, fillOpacity: 0.75 } },
  { below: 14, style: { radius: 4, weight: 1, fillOpacity: 0.9 } },
  { below: 16, style: { radius: 5, weight: 1.25, fillOpacity: 0.95 } },
];

const MARKER_CLOSE_UP: MarkerStyle = { radius: 6, weight: 1.5, fillOpacity: 0.95 };

/**
 * The marker style at a zoom level.
 *
 * @param zoom - the map's zoom level (fractional zooms allowed)
 * @returns radius, outline width and fill opacity; the largest style for zooms of 16 and more
 */
export function markerStyleAt(zoom: number): MarkerStyle {
  const step = MARKER_STEPS.find((s) => zoom < s.below);
  return { ...(step?.style ?? MARKER_CLOSE_UP) };
}

/**
 * The hexagon style for hexagons of a given size on screen. The size, not the zoom, decides,
 * because the cell resolution is the operator's choice (`H3_RES`, SPEC sections 3 and 6): a
 * resolution-7 cell at zoom 11 is as large on screen as a resolution-8 cell at zoom 12.
 *
 * - Under 24 px across, no outline: a one-pixel line would take a quarter of the cell's area and
 *   turn every colour pale.
 * - From 24 px a faint white outline, and from 48 px a clearer one, so that neighbours of one
 *   class stay apart.
 * - The fill is nearly opaque while cells are small, so that the colours read, and lets the base
 *   map show through once a cell spans a few streets.
 *
 * @param widthPx - the width of one hexagon on screen in pixels (vertex to opposite vertex)
 * @returns outline width and opacity, and fill opacity
 */
export function hexagonStyleFor(widthPx: number): HexagonStyle {
  if (!(widthPx >= 24)) return { weight: 0, opacity: 0, fillOpacity: 0.88 };
  if (widthPx < 48) return { weight: 0.5, opacity: 0.5, fillOpacity: 0.82 };
  if (widthPx < 120) return { weight: 1, opacity: 0.6, fillOpacity: 0.76 };
  return { weight: 1, opacity: 0.8, fillOpacity: 0.66 };
}

/**
 * Whether two styles draw the same, so that a zoom that changes nothing restyles nothing.
 *
 * @param a - a marker or hexagon style
 * @param b - a style of the same kind
 * @returns true when every field is equal
 */
export function isSameStyle<S extends MarkerStyle | HexagonStyle>(a: S, b: S): boolean {
  const keys = Object.keys(a) as (keyof S)[];
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

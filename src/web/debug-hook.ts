/**
 * `window.__heatmap`: a read-only view of what the page has drawn, for the browser test and for
 * anyone poking at the page in the developer tools. Hexagons and markers live on one canvas, so
 * the DOM cannot be asked about them; this hook can. It exposes counts, ids and positions only:
 * nothing here changes the page.
 */
import type { HexagonStyle, MarkerStyle } from './zoom-styles.js';

/** The shape of `window.__heatmap`. */
export interface HeatmapDebugHook {
  /** Successful refreshes so far (the first draw is refresh 1). */
  refreshes: number;
  /** Failed refreshes in a row (0 once the API answers again). */
  failures: number;
  /** Hexagons drawn (one per H3 cell). */
  hexagons: number;
  /** Vehicle markers drawn. */
  markers: number;
  colorBy: 'count' | 'speed';
  /** `latest`, or the minutes of the range shown. */
  span: 'latest' | number;
  /** Legend labels, top row first. */
  legend: string[];
  /** `none` (no tile URL), `tiles`, or `failed` (tiles gave errors and were dropped). */
  baseMap: 'none' | 'tiles' | 'failed' | 'pending';
  /** The message of the last failed refresh, null after a success. */
  lastError: string | null;
  /** @returns the map's centre and zoom */
  mapView(): { lat: number; lng: number; zoom: number };
  /** @returns the styles markers and hexagons are drawn with at the current zoom */
  drawStyles(): { marker: MarkerStyle; hexagon: HexagonStyle };
  /** @returns the Leaflet id of a cell's polygon, stable while the cell stays drawn, or null */
  hexagonLayerId(cellId: string): number | null;
  /** @returns the fill colour of a cell, or null when it is not drawn */
  hexagonFill(cellId: string): string | null;
  /** @returns the Leaflet id of a vehicle's marker (`<provider>:<vehicleId>`), or null */
  markerLayerId(key: string): number | null;
  /** @returns a marker's position in viewport pixels (for a real click), or null */
  markerClientPoint(key: string): { x: number; y: number } | null;
}

declare global {
  interface Window {
    __heatmap?: HeatmapDebugHook;
  }
}

/**
 * Publishes the hook.
 *
 * @param hook - the object to expose; its fields are updated by the page after every draw
 */
export function exposeDebugHook(hook: HeatmapDebugHook): void {
  Object.defineProperty(window, '__heatmap', { value: hook, configurable: false, writable: false });
}

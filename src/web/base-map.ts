/**
 * The base map under the hexagons. Its URL comes from the server (`GET api/config`), because the
 * page must work on a machine without internet: with no URL the map is a plain styled background,
 * and a tile server that fails is given up quietly instead of being asked again on every pan (each
 * failed image is a console line and a broken-image icon otherwise).
 */
import * as L from 'leaflet';
import type { PageConfig } from './api-types.js';
import { escapeHtml } from './escape-text.js';

/** What the map shows under the data. */
export type BaseMapState = 'none' | 'tiles' | 'failed';

/** A working server may miss a tile now and then; one that never served a tile is given up at once. */
const ERRORS_TOLERATED_AFTER_A_LOAD = 20;

/**
 * The credit line as plain text. The operator's configuration may hold HTML (`&copy; <a
 * href=...>OpenStreetMap</a> contributors`); DOMParser reads it without running scripts or
 * loading images, its text is kept, and Leaflet gets that text escaped, since its attribution
 * control writes HTML.
 *
 * @param attribution - the credit from the configuration
 * @returns HTML-escaped text, or an empty string
 */
export function attributionAsEscapedText(attribution: string | undefined): string {
  if (attribution === undefined || attribution.trim() === '') return '';
  const text = new DOMParser().parseFromString(attribution, 'text/html').body.textContent ?? '';
  return escapeHtml(text.replace(/\s+/g, ' ').trim());
}

/**
 * Adds the base map of the configuration, if any, and watches its tiles.
 *
 * @param map - the map
 * @param config - the page configuration
 * @param onState - told of the state at once and whenever it changes
 */
export function addBaseMap(
  map: L.Map,
  config: PageConfig,
  onState: (state: BaseMapState) => void,
): void {
  if (config.tileUrl === null) {
    onState('none');
    return;
  }

  const layer = L.tileLayer(config.tileUrl, {
    attribution: attributionAsEscapedText(config.attribution),
    maxZoom: 19,
  });
  let loaded = false;
  let errors = 0;

  layer.on('tileload', () => {
    loaded = true;
  });
  layer.on('tileerror', () => {
    errors += 1;
    if (loaded && errors < ERRORS_TOLERATED_AFTER_A_LOAD) return;

    // Removing the layer also cancels the tiles still loading (Leaflet 1.9 `_abortLoading`).
    layer.off();
    map.removeLayer(layer);
    onState('failed');
  });

  layer.addTo(map);
  onState('tiles');
}

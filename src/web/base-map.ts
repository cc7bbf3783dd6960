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

  const onLoad = (): void => {
    loaded = true;
  };
  const onError = (): void => {
    errors += 1;
    if (loaded && errors < ERRORS_TOLERATED_AFTER_A_LOAD) return;

    // Only this module's own listeners are dropped. A bare `layer.off()` would also drop the
    // one-time `remove` listener through which Leaflet 1.9 unhooks a layer's map events
    // (Layer.js `_layerAdd`): the removed layer would then keep answering `zoom` and `viewreset`
    // with no map (GridLayer `_resetView` reads `this._map`), throw on every view change, and
    // cut short the map's event dispatch, so that the canvas renderer never learned of the new
    // view and the hexagons went undrawn. Removing the layer also cancels the tiles still
    // loading (TileLayer `_removeTile` empties their `src`), and a removed layer fires no more
    // `tileerror` (TileLayer `_tileReady` returns without a map).
    layer.off('tileload', onLoad);
    layer.off('tileerror', onError);
    map.removeLayer(layer);
    onState('failed');
  };
  layer.on('tileload', onLoad);
  layer.on('tileerror', onError);

  layer.addTo(map);
  onState('tiles');
}

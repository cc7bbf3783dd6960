/**
 * Popups of hexagons and vehicles: the words of popup-rows.ts put into elements as text, and the
 * refresh of a popup that is open while its layer changes. Leaflet calls a function content on
 * every open and update (Leaflet 1.9 `DivOverlay._updateContent`), so a popup always shows the
 * layer's current data and no element is kept for a closed popup.
 */
import type * as L from 'leaflet';
import { h } from './dom-build.js';
import type { PopupText } from './popup-rows.js';

/**
 * Builds a popup's content.
 *
 * @param text - title, subtitle and rows
 * @param accent - a colour for the swatch before the title (the provider's or the class's)
 * @returns a detached element for `bindPopup`
 */
export function popupElement(text: PopupText, accent: string): HTMLElement {
  const swatch = h('span', { class: 'popup-swatch', 'aria-hidden': 'true' });
  swatch.style.background = accent;
  const rows = text.rows.flatMap((row) => [h('dt', {}, row.label), h('dd', {}, row.value)]);
  return h(
    'div',
    { class: 'popup' },
    h('p', { class: 'popup-title' }, swatch, h('span', { class: 'popup-title-text' }, text.title)),
    text.subtitle === '' ? null : h('p', { class: 'popup-subtitle' }, text.subtitle),
    h('dl', { class: 'popup-rows' }, ...rows),
  );
}

/**
 * Redraws the popup of a layer if it is open, without panning the map: the user may have panned
 * away from a moving vehicle on purpose, and a refresh must not pull the map back.
 *
 * @param layer - a hexagon or marker with a bound popup
 */
export function refreshOpenPopup(layer: L.Layer): void {
  const popup = layer.getPopup();
  if (popup === undefined || !layer.isPopupOpen()) return;
  const autoPan = popup.options.autoPan;
  popup.options.autoPan = false;
  try {
    popup.update();
  } finally {
    popup.options.autoPan = autoPan;
  }
}

/**
 * Moves a marker, keeping an open popup on it without panning the map (Leaflet moves the popup
 * with the marker and would otherwise pan it into view, Leaflet 1.9 `Layer._movePopup`).
 *
 * @param marker - a circle marker
 * @param latLng - its new position
 */
export function moveMarkerQuietly(marker: L.CircleMarker, latLng: L.LatLngExpression): void {
  const popup = marker.getPopup();
  const autoPan = popup?.options.autoPan;
  if (popup) popup.options.autoPan = false;
  try {
    marker.setLatLng(latLng);
  } finally {
    if (popup) popup.options.autoPan = autoPan;
  }
}

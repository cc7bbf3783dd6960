/**
 * The vehicles on the map: one canvas circle marker per (provider, vehicleId), the identity the
 * log keys its messages by (SPEC 1). A refresh moves the markers of known vehicles, adds new ones
 * and removes those that left the API's answer (too old, or filtered out); a popup open on a
 * moving vehicle follows it and shows its newest report.
 */
import * as L from 'leaflet';
import type { VehicleFeature } from './api-types.js';
import { providerColor } from './color-scale.js';
import type { WeightedShape } from './dense-extent.js';
import { syncLayers, type SyncCounts } from './layer-sync.js';
import { isLngLat, lngLatToLatLng } from './lng-lat.js';
import { vehiclePopupText } from './popup-rows.js';
import { moveMarkerQuietly, popupElement, refreshOpenPopup } from './popup-view.js';
import { isSameStyle, markerStyleAt, type MarkerStyle } from './zoom-styles.js';

interface VehicleEntry {
  marker: L.CircleMarker;
  feature: VehicleFeature;
}

/** The outline is white, so that a marker stands out on every class of both colour ramps. */
const OUTLINE_COLOR = '#ffffff';

/**
 * The key of a vehicle: provider and vehicleId, as the Kafka key of SPEC 1.
 *
 * @param feature - a vehicle from `/api/positions/latest`
 * @returns `<provider>:<vehicleId>`
 */
export function vehicleKey(feature: VehicleFeature): string {
  return `${feature.properties.provider}:${feature.properties.vehicleId}`;
}

/**
 * Checks that a vehicle can be drawn.
 *
 * @param feature - anything from the positions route
 * @returns true when it has a provider, a vehicleId and a usable point
 */
export function isDrawableVehicle(feature: VehicleFeature): boolean {
  const p = feature?.properties;
  return (
    typeof p?.provider === 'string' &&
    typeof p.vehicleId === 'string' &&
    feature.geometry?.type === 'Point' &&
    isLngLat(feature.geometry.coordinates)
  );
}

/** Draws and moves the vehicle markers. */
export class VehicleLayer {
  private readonly entries = new Map<string, VehicleEntry>();
  private readonly group: L.FeatureGroup;
  private readonly renderer: L.Renderer;
  private readonly map: L.Map;
  private readonly timeZone: string;
  private style: MarkerStyle;

  /**
   * @param map - the map to draw on
   * @param renderer - the canvas renderer shared with the hexagons
   * @param timeZone - the viewer's zone, for report times in popups
   */
  constructor(map: L.Map, renderer: L.Renderer, timeZone: string) {
    this.map = map;
    this.renderer = renderer;
    this.timeZone = timeZone;
    this.group = L.featureGroup().addTo(map);
    this.style = markerStyleAt(map.getZoom());
    map.on('zoomend', () => this.restyle());
  }

  /**
   * Brings the markers in line with the vehicles of a refresh.
   *
   * @param features - vehicles to show (already filtered by provider); undrawable ones are skipped
   * @returns how many markers were added, moved and removed
   */
  render(features: readonly VehicleFeature[]): SyncCounts {
    return syncLayers(this.entries, features.filter(isDrawableVehicle), {
      keyOf: vehicleKey,
      create: (feature) => this.create(feature),
      update: (entry, feature) => {
        entry.feature = feature;
        const [lat, lng] = lngLatToLatLng(feature.geometry.coordinates);
        const at = entry.marker.getLatLng();
        if (at.lat !== lat || at.lng !== lng) moveMarkerQuietly(entry.marker, [lat, lng]);
        refreshOpenPopup(entry.marker);
      },
      remove: (entry) => this.group.removeLayer(entry.marker),
    });
  }

  /** How many markers are drawn. */
  get size(): number {
    return this.entries.size;
  }

  /** @returns every marker drawn, as a one-point shape of weight 1 (dense-extent.ts) */
  shapes(): WeightedShape[] {
    return Array.from(this.entries.values(), ({ marker }) => {
      const at = marker.getLatLng();
      return { points: [[at.lat, at.lng]], weight: 1 };
    });
  }

  /** @returns the style the markers are drawn with at the current zoom */
  currentStyle(): MarkerStyle {
    return { ...this.style };
  }

  /**
   * @param key - `<provider>:<vehicleId>`
   * @returns the marker's position in pixels from the map container's top left, or null
   */
  containerPointOf(key: string): { x: number; y: number } | null {
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    const point = this.map.latLngToContainerPoint(entry.marker.getLatLng());
    return { x: point.x, y: point.y };
  }

  /**
   * @param key - `<provider>:<vehicleId>`
   * @returns the Leaflet id of the vehicle's marker (stable while the vehicle stays), or null
   */
  layerIdOf(key: string): number | null {
    const entry = this.entries.get(key);
    return entry === undefined ? null : L.Util.stamp(entry.marker);
  }

  private restyle(): void {
    const style = markerStyleAt(this.map.getZoom());
    if (isSameStyle(style, this.style)) return;
    this.style = style;
    for (const { marker } of this.entries.values()) {
      marker.setRadius(style.radius);
      marker.setStyle(this.pathStyle());
    }
  }

  private pathStyle(): L.CircleMarkerOptions {
    const { weight, fillOpacity } = this.style;
    return { color: OUTLINE_COLOR, stroke: weight > 0, weight, opacity: 1, fillOpacity };
  }

  private create(feature: VehicleFeature): VehicleEntry {
    const color = providerColor(feature.properties.provider);
    const marker = L.circleMarker(lngLatToLatLng(feature.geometry.coordinates), {
      ...this.pathStyle(),
      radius: this.style.radius,
      fillColor: color,
      renderer: this.renderer,
    });
    const entry: VehicleEntry = { marker, feature };
    marker.bindPopup(
      () => popupElement(vehiclePopupText(entry.feature.properties, this.timeZone), color),
      {
        className: 'heatmap-popup',
      },
    );
    marker.addTo(this.group);
    return entry;
  }
}

/**
 * The vehicles on the map: one canvas circle marker per (provider, vehicleId), the identity the
 * log keys its messages by (SPEC 1). A refresh moves the markers of known vehicles, adds new ones
 * and removes those that left the API's answer (too old, or filtered out); a popup open on a
 * moving vehicle follows it and shows its newest report.
 */
import * as L from 'leaflet';
import type { VehicleFeature } from './api-types.js';
import { providerColor } from './color-scale.js';
import { syncLayers, type SyncCounts } from './layer-sync.js';
import { isLngLat, lngLatToLatLng } from './lng-lat.js';
import { vehiclePopupText } from './popup-rows.js';
import { moveMarkerQuietly, popupElement, refreshOpenPopup } from './popup-view.js';

interface VehicleEntry {
  marker: L.CircleMarker;
  feature: VehicleFeature;
}

const MARKER_STYLE: L.CircleMarkerOptions = {
  color: '#ffffff',
  opacity: 1,
  fillOpacity: 0.95,
};

/**
 * The size of the markers at a zoom level. A region-wide view of a whole fleet would otherwise
 * be a carpet of dots over the hexagons it is meant to explain; close up, a marker must be big
 * enough to hit with a finger.
 *
 * @param zoom - the map's zoom level
 * @returns the radius in pixels and the width of the white outline
 */
export function markerSizeAt(zoom: number): { radius: number; weight: number } {
  if (zoom < 11) return { radius: 2.5, weight: 0.6 };
  if (zoom < 13) return { radius: 3.5, weight: 1 };
  if (zoom < 15) return { radius: 4.5, weight: 1.25 };
  return { radius: 6, weight: 1.5 };
}

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
  private markerSize = markerSizeAt(2);

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
    this.markerSize = markerSizeAt(map.getZoom());
    map.on('zoomend', () => this.resize());
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

  /** @returns the bounds of all markers, or null when none is drawn */
  bounds(): L.LatLngBounds | null {
    return this.entries.size === 0 ? null : this.group.getBounds();
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

  private resize(): void {
    const size = markerSizeAt(this.map.getZoom());
    if (size.radius === this.markerSize.radius && size.weight === this.markerSize.weight) return;
    this.markerSize = size;
    for (const { marker } of this.entries.values()) {
      marker.setRadius(size.radius);
      marker.setStyle({ weight: size.weight });
    }
  }

  private create(feature: VehicleFeature): VehicleEntry {
    const color = providerColor(feature.properties.provider);
    const marker = L.circleMarker(lngLatToLatLng(feature.geometry.coordinates), {
      ...MARKER_STYLE,
      ...this.markerSize,
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

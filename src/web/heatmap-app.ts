/**
 * The page's controller: asks the API on a schedule, keeps the last answers, and draws them into
 * the layers, the legend, the header and the side panel. User choices (colour mode, time span,
 * providers) redraw at once from the answers at hand, and ask the server again when the answer
 * itself depends on them (a provider filter changes which window is the newest, SPEC 5).
 *
 * Stages of one refresh: configure (first time only), fetch, check that the answer still fits
 * the user's choices, list providers, draw.
 */
import * as L from 'leaflet';
import { UpstreamError } from '../errors.js';
import type { ApiClient } from './api-client.js';
import type { PageConfig, StatsResponse, TileCollection, VehicleFeature } from './api-types.js';
import { addBaseMap, type BaseMapState } from './base-map.js';
import { buildCountScale, buildSpeedScale } from './color-scale.js';
import type { HeatmapDebugHook } from './debug-hook.js';
import { denseExtentOf } from './dense-extent.js';
import { byId, setText } from './dom-build.js';
import { HexagonLayer, type ColorBy } from './hexagon-layer.js';
import { renderLegend } from './legend-card.js';
import { mergeTilesByCell } from './merge-cells.js';
import { ProviderFilter } from './provider-filter.js';
import { RefreshScheduler, browserEnvironment } from './refresh-scheduler.js';
import {
  renderBanner,
  renderLive,
  renderStats,
  renderWindow,
  type TimeSpan,
} from './status-view.js';
import { formatClock, formatDuration } from './time-label.js';
import { VehicleLayer } from './vehicle-layer.js';

const EMPTY_TILES: TileCollection = { type: 'FeatureCollection', features: [] };

/**
 * The closest a fit zooms in. At zoom 13 a resolution-8 hexagon is about 60 px wide at Boston's
 * latitude, and a map of 1000 px shows some 15 of them side by side with the streets around: one
 * busy terminal, or a single vehicle, is then seen in its neighbourhood rather than blown up to
 * fill the screen.
 */
const FIT_MAX_ZOOM = 13;

const BASE_MAP_NOTES: Record<BaseMapState, string> = {
  none: 'No base map is configured, so the map shows a plain background.',
  tiles: '',
  failed: 'Base map tiles could not be loaded; the map shows a plain background.',
};

/** The running page. */
export class HeatmapApp {
  readonly hook: HeatmapDebugHook;
  private readonly api: ApiClient;
  private readonly timeZone: string;
  private readonly map: L.Map;
  private readonly hexagons: HexagonLayer;
  private readonly vehicles: VehicleLayer;
  private readonly filter: ProviderFilter;
  private readonly scheduler: RefreshScheduler;
  private config: PageConfig | null = null;
  private tiles: TileCollection | null = null;
  private vehicleFeatures: VehicleFeature[] = [];
  private stats: StatsResponse | null = null;
  private colorBy: ColorBy = 'count';
  private showVehicles = true;
  private span: TimeSpan = { kind: 'latest' };
  private fitted = false;

  /**
   * @param api - the API client
   * @param timeZone - the viewer's zone, for times in the header and popups
   */
  constructor(api: ApiClient, timeZone: string) {
    this.api = api;
    this.timeZone = timeZone;

    // The map opens on the whole world and fits the data once the first answer arrives.
    // Half zoom steps let a fit use the screen instead of jumping to the next power of two.
    this.map = L.map(byId('map'), { minZoom: 2, zoomSnap: 0.5, worldCopyJump: true }).setView(
      [20, 0],
      2,
    );
    const renderer = L.canvas({ padding: 0.5, tolerance: 4 });
    this.hexagons = new HexagonLayer(this.map, renderer);
    this.vehicles = new VehicleLayer(this.map, renderer, timeZone);
    this.filter = new ProviderFilter(byId('provider-list'), () => this.onChoiceChanged(true));

    this.scheduler = new RefreshScheduler(() => this.refresh(), browserEnvironment(document), {
      intervalMs: 5_000,
      onError: (error, retryInMs) => this.onRefreshFailed(error, retryInMs),
    });
    this.hook = this.createHook();
    this.bindControls();

    // Leaflet measures its container only on window resizes; the panel and the banner change the
    // map's size without one (a phone turning, the banner appearing), so watch the box itself.
    new ResizeObserver(() => this.map.invalidateSize()).observe(this.map.getContainer());
  }

  /** Starts the refresh loop. */
  start(): void {
    renderLive('connecting', '');
    this.scheduler.start();
  }

  private bindControls(): void {
    for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="color-by"]')) {
      radio.addEventListener('change', () => {
        if (!radio.checked) return;
        this.colorBy = radio.value === 'speed' ? 'speed' : 'count';
        this.onChoiceChanged(false);
      });
    }
    const showVehicles = byId<HTMLInputElement>('show-vehicles');
    showVehicles.addEventListener('change', () => {
      this.showVehicles = showVehicles.checked;
      this.onChoiceChanged(false);
    });
    const spanSelect = byId<HTMLSelectElement>('span-select');
    spanSelect.addEventListener('change', () => {
      const minutes = Number(spanSelect.value);
      this.span =
        Number.isInteger(minutes) && minutes > 0 ? { kind: 'range', minutes } : { kind: 'latest' };
      this.onChoiceChanged(true);
    });
    byId('fit-button').addEventListener('click', () => this.fitToData(true));
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) renderLive('paused', 'tab hidden');
    });
  }

  private onChoiceChanged(refetch: boolean): void {
    this.draw();
    if (refetch) this.scheduler.refreshNow();
  }

  private choiceKey(): string {
    const span = this.span.kind === 'latest' ? 'latest' : String(this.span.minutes);
    return `${span}|${this.filter.selection()?.join(',') ?? '*'}`;
  }

  private async refresh(): Promise<void> {
    // Configure: the first successful answer of `api/config` sets the pace and the base map.
    if (this.config === null) {
      const config = await this.api.config();
      this.config = config;
      this.scheduler.setInterval(config.refreshMs);
      addBaseMap(this.map, config, (state) => this.onBaseMapState(state));
    }

    // Fetch: tiles under the user's choices; all positions (the filter is applied here, so that
    // every provider stays listed); stats are welcome but their failure does not stop the map.
    const asked = this.choiceKey();
    const selection = this.filter.selection();
    const tilesRequest =
      selection?.length === 0
        ? Promise.resolve(EMPTY_TILES)
        : this.span.kind === 'latest'
          ? this.api.latestTiles(selection)
          : this.api.rangeTiles(this.span.minutes, selection);
    const [tiles, positions, stats] = await Promise.all([
      tilesRequest,
      this.api.positions(),
      this.api.stats().catch(() => null),
    ]);

    // Check: an answer to choices the user has since changed is dropped; a new refresh follows.
    if (asked !== this.choiceKey()) return;
    this.tiles = tiles;
    this.vehicleFeatures = positions.features;
    if (stats !== null) this.stats = stats;
    this.hook.refreshes += 1;
    this.hook.failures = 0;
    this.hook.lastError = null;
    renderBanner(null);
    renderLive('live', `updated ${formatClock(Date.now(), this.timeZone)}`);

    // List providers: every provider with vehicles or hexagons gets a box.
    const vehiclesByProvider = new Map<string, number>();
    for (const feature of tiles.features) {
      const provider = feature.properties?.provider;
      if (typeof provider === 'string' && !vehiclesByProvider.has(provider)) {
        vehiclesByProvider.set(provider, 0);
      }
    }
    for (const feature of positions.features) {
      const provider = feature.properties?.provider;
      if (typeof provider === 'string') {
        vehiclesByProvider.set(provider, (vehiclesByProvider.get(provider) ?? 0) + 1);
      }
    }
    this.filter.update(vehiclesByProvider);

    // Draw.
    this.draw();
    const truncated = tiles.truncated === true || positions.truncated === true;
    const note = byId('data-note');
    note.hidden = !truncated;
    setText(
      note,
      truncated ? 'The server capped its answer: some hexagons or vehicles are not shown.' : '',
    );
  }

  private draw(): void {
    const cells = mergeTilesByCell(this.tiles?.features ?? [], (p) => this.filter.includes(p));
    const scale =
      this.colorBy === 'count' ? buildCountScale(cells.map((c) => c.count)) : buildSpeedScale();
    this.hexagons.render(cells, scale, this.colorBy);

    // Hidden markers are dropped, not just hidden, so a hidden layer costs no memory or redraws.
    const shown = this.showVehicles ? this.vehicleFeatures : [];
    this.vehicles.render(shown.filter((f) => this.filter.includes(f.properties?.provider ?? '')));
    byId('legend-markers').hidden = !this.showVehicles;

    const withoutSpeed = cells.filter((c) => c.avgSpeedKmh === null).length;
    renderLegend(byId('legend'), scale, cells.length, withoutSpeed);
    renderWindow(this.tiles, this.span, this.timeZone);
    renderStats(this.stats, this.timeZone);

    const empty = byId('map-empty');
    const nothing = this.hexagons.size === 0 && this.vehicles.size === 0;
    empty.hidden = !nothing || this.hook.refreshes === 0;
    if (!this.fitted && !nothing) {
      this.fitted = true;
      this.fitToData(false);
    }

    Object.assign(this.hook, {
      hexagons: this.hexagons.size,
      markers: this.vehicles.size,
      colorBy: this.colorBy,
      span: this.span.kind === 'latest' ? 'latest' : this.span.minutes,
      legend: Array.from(
        byId('legend').querySelectorAll('.legend-label'),
        (el) => el.textContent ?? '',
      ),
    });
  }

  /**
   * Frames the data: on the first draw, and on "Fit map to data".
   *
   * Why not the bounds of everything drawn: on real feeds a few vehicles run far from the rest
   * (MBTA commuter rail reaches 80 km out of Boston), and a view wide enough for them makes the
   * hexagons specks under the markers. The view fits the hexagons whose centres lie between the
   * 2nd and 98th percentile of the reports in latitude and longitude instead (dense-extent.ts);
   * markers do not count, since the far ones are the outliers. Only a map with markers and no
   * hexagon yet (a window that has just begun) fits the markers, trimmed alike.
   */
  private fitToData(animate: boolean): void {
    const hexagons = this.hexagons.shapes();
    const extent = denseExtentOf(hexagons.length > 0 ? hexagons : this.vehicles.shapes());
    if (extent === null) return;
    const bounds = L.latLngBounds([extent.south, extent.west], [extent.north, extent.east]);

    // Keep the data clear of the legend card: beside it on a wide map, above it on a phone.
    const legend = byId('legend').getBoundingClientRect();
    const wide = this.map.getSize().x > 600;
    this.map.fitBounds(bounds, {
      paddingTopLeft: [wide ? legend.width + 24 : 20, 24],
      paddingBottomRight: [wide ? 24 : 20, wide ? 24 : legend.height + 24],
      maxZoom: FIT_MAX_ZOOM,
      animate,
    });
  }

  private onRefreshFailed(error: unknown, retryInMs: number): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.hook.failures += 1;
    this.hook.lastError = reason;

    // A network failure or a 5xx may pass by itself; any other answer points at a mismatch
    // between page and server, which asking again will not fix but is still retried.
    const wait = formatDuration(retryInMs / 1000);
    const passing = !(error instanceof UpstreamError) || error.retriable;
    const what = passing ? 'cannot be reached' : "refused the page's request";
    const kept = this.hook.refreshes > 0 ? ' The map keeps the last data it received.' : '';
    renderBanner(`The heatmap API ${what} (${reason}).${kept} Retrying in ${wait}.`);
    renderLive('offline', `retrying in ${wait}`);
  }

  private onBaseMapState(state: BaseMapState): void {
    this.hook.baseMap = state;
    byId('map').dataset.baseMap = state;
    const note = byId('basemap-note');
    note.hidden = BASE_MAP_NOTES[state] === '';
    setText(note, BASE_MAP_NOTES[state]);
  }

  private createHook(): HeatmapDebugHook {
    return {
      refreshes: 0,
      failures: 0,
      hexagons: 0,
      markers: 0,
      colorBy: this.colorBy,
      span: 'latest',
      legend: [],
      baseMap: 'pending',
      lastError: null,
      mapView: () => {
        const center = this.map.getCenter();
        return { lat: center.lat, lng: center.lng, zoom: this.map.getZoom() };
      },
      drawStyles: () => ({
        marker: this.vehicles.currentStyle(),
        hexagon: this.hexagons.currentStyle(),
      }),
      hexagonLayerId: (cellId) => this.hexagons.layerIdOf(cellId),
      hexagonFill: (cellId) => this.hexagons.fillColorOf(cellId),
      markerLayerId: (key) => this.vehicles.layerIdOf(key),
      markerClientPoint: (key) => {
        const point = this.vehicles.containerPointOf(key);
        if (point === null) return null;
        const box = this.map.getContainer().getBoundingClientRect();
        return { x: box.left + point.x, y: box.top + point.y };
      },
    };
  }
}

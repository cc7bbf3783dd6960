/**
 * The hexagons on the map: one Leaflet polygon per H3 cell, drawn on the shared canvas renderer
 * (thousands of SVG paths would make panning stutter; one canvas does not). A refresh restyles
 * the polygons of known cells, adds the new cells and removes the gone ones (layer-sync.ts), so
 * an open popup stays open and the map never blinks. A cell's outline never changes, so only its
 * colour and its data are updated; its line and opacity follow the size of the cells on screen
 * (zoom-styles.ts), rechecked after every zoom.
 */
import * as L from 'leaflet';
import { colorOf, type ColorScale } from './color-scale.js';
import type { WeightedShape } from './dense-extent.js';
import { syncLayers, type SyncCounts } from './layer-sync.js';
import { ringToLatLngs, type LatLngPair } from './lng-lat.js';
import type { CellSummary } from './merge-cells.js';
import { cellPopupText } from './popup-rows.js';
import { popupElement, refreshOpenPopup } from './popup-view.js';
import { hexagonStyleFor, isSameStyle, type HexagonStyle } from './zoom-styles.js';

/** Which value of a cell the colours show. */
export type ColorBy = 'count' | 'speed';

interface HexagonEntry {
  polygon: L.Polygon;
  outline: LatLngPair[];
  cell: CellSummary;
  fill: string;
}

/** The outline is white, so that it separates cells of any class without adding a colour. */
const OUTLINE_COLOR = '#ffffff';

/**
 * The value a cell is coloured by.
 *
 * @param cell - a merged cell
 * @param colorBy - count or speed
 * @returns the count, or the average speed (null when no report had one)
 */
export function valueOf(cell: CellSummary, colorBy: ColorBy): number | null {
  return colorBy === 'count' ? cell.count : cell.avgSpeedKmh;
}

/** Draws and updates the hexagons. */
export class HexagonLayer {
  private readonly entries = new Map<string, HexagonEntry>();
  private readonly group: L.FeatureGroup;
  private readonly renderer: L.Renderer;
  private readonly map: L.Map;
  private style: HexagonStyle = hexagonStyleFor(0);

  /**
   * @param map - the map to draw on
   * @param renderer - the canvas renderer shared with the markers
   */
  constructor(map: L.Map, renderer: L.Renderer) {
    this.map = map;
    this.renderer = renderer;
    this.group = L.featureGroup().addTo(map);
    map.on('zoomend', () => this.restyle(this.sampleOutline()));
  }

  /**
   * Brings the hexagons in line with the cells of a refresh.
   *
   * @param cells - the merged cells to show
   * @param scale - the colour scale of the current mode
   * @param colorBy - which value the scale applies to
   * @returns how many polygons were added, restyled and removed
   */
  render(cells: readonly CellSummary[], scale: ColorScale, colorBy: ColorBy): SyncCounts {
    const first = cells[0];
    if (this.entries.size === 0 && first !== undefined) this.restyle(ringToLatLngs(first.ring));
    return syncLayers(this.entries, cells, {
      keyOf: (cell) => cell.cellId,
      create: (cell) => this.create(cell, colorOf(scale, valueOf(cell, colorBy))),
      update: (entry, cell) => {
        entry.cell = cell;
        const fill = colorOf(scale, valueOf(cell, colorBy));
        if (fill !== entry.fill) {
          entry.fill = fill;
          entry.polygon.setStyle({ fillColor: fill });
        }
        refreshOpenPopup(entry.polygon);
      },
      remove: (entry) => this.group.removeLayer(entry.polygon),
    });
  }

  /** How many hexagons are drawn. */
  get size(): number {
    return this.entries.size;
  }

  /** @returns every hexagon drawn, as its outline weighted by its reports (dense-extent.ts) */
  shapes(): WeightedShape[] {
    return Array.from(this.entries.values(), ({ outline, cell }) => ({
      points: outline,
      weight: cell.count,
    }));
  }

  /** @returns the style the hexagons are drawn with at the current zoom */
  currentStyle(): HexagonStyle {
    return { ...this.style };
  }

  /**
   * @param cellId - an H3 cell
   * @returns the fill colour the cell is drawn with, or null when it is not drawn
   */
  fillColorOf(cellId: string): string | null {
    return this.entries.get(cellId)?.fill ?? null;
  }

  /**
   * @param cellId - an H3 cell
   * @returns the Leaflet id of the cell's polygon (stable while the cell stays), or null
   */
  layerIdOf(cellId: string): number | null {
    const entry = this.entries.get(cellId);
    return entry === undefined ? null : L.Util.stamp(entry.polygon);
  }

  private sampleOutline(): LatLngPair[] | undefined {
    return this.entries.values().next().value?.outline;
  }

  /**
   * Restyles every hexagon when the size of a cell on screen calls for another style. The data
   * holds one resolution, and its cells differ by a few percent across one city, so one cell
   * stands for all; the opposite vertices 0 and 3 give its width.
   */
  private restyle(outline: LatLngPair[] | undefined): void {
    if (outline === undefined || outline.length < 4) return;
    const a = this.map.latLngToLayerPoint(outline[0] as LatLngPair);
    const b = this.map.latLngToLayerPoint(outline[Math.floor(outline.length / 2)] as LatLngPair);
    const style = hexagonStyleFor(a.distanceTo(b));
    if (isSameStyle(style, this.style)) return;
    this.style = style;
    for (const { polygon } of this.entries.values()) polygon.setStyle(this.pathStyle());
  }

  private pathStyle(): L.PathOptions {
    const { weight, opacity, fillOpacity } = this.style;
    return { color: OUTLINE_COLOR, stroke: weight > 0, weight, opacity, fillOpacity };
  }

  private create(cell: CellSummary, fill: string): HexagonEntry {
    const outline = ringToLatLngs(cell.ring);
    const polygon = L.polygon(outline, {
      ...this.pathStyle(),
      fillColor: fill,
      renderer: this.renderer,
    });
    const entry: HexagonEntry = { polygon, outline, cell, fill };
    polygon.bindPopup(() => popupElement(cellPopupText(entry.cell), entry.fill), {
      className: 'heatmap-popup',
    });
    polygon.addTo(this.group);

    // New cells go under everything else on the shared canvas, so that markers stay on top
    // (the canvas renderer draws, and hit-tests clicks, in the order layers were added).
    polygon.bringToBack();
    return entry;
  }
}

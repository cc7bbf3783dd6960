/**
 * The hexagons on the map: one Leaflet polygon per H3 cell, drawn on the shared canvas renderer
 * (thousands of SVG paths would make panning stutter; one canvas does not). A refresh restyles
 * the polygons of known cells, adds the new cells and removes the gone ones (layer-sync.ts), so
 * an open popup stays open and the map never blinks. A cell's outline never changes, so only its
 * colour and its data are updated.
 */
import * as L from 'leaflet';
import { colorOf, type ColorScale } from './color-scale.js';
import { syncLayers, type SyncCounts } from './layer-sync.js';
import { ringToLatLngs } from './lng-lat.js';
import type { CellSummary } from './merge-cells.js';
import { cellPopupText } from './popup-rows.js';
import { popupElement, refreshOpenPopup } from './popup-view.js';

/** Which value of a cell the colours show. */
export type ColorBy = 'count' | 'speed';

interface HexagonEntry {
  polygon: L.Polygon;
  cell: CellSummary;
  fill: string;
}

const BASE_STYLE: L.PathOptions = {
  color: '#ffffff',
  weight: 0.8,
  opacity: 0.7,
  fillOpacity: 0.72,
};

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

  /**
   * @param map - the map to draw on
   * @param renderer - the canvas renderer shared with the markers
   */
  constructor(map: L.Map, renderer: L.Renderer) {
    this.renderer = renderer;
    this.group = L.featureGroup().addTo(map);
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

  /** @returns the bounds of all hexagons, or null when none is drawn */
  bounds(): L.LatLngBounds | null {
    return this.entries.size === 0 ? null : this.group.getBounds();
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

  private create(cell: CellSummary, fill: string): HexagonEntry {
    const polygon = L.polygon(ringToLatLngs(cell.ring), {
      ...BASE_STYLE,
      fillColor: fill,
      renderer: this.renderer,
    });
    const entry: HexagonEntry = { polygon, cell, fill };
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

import { describe, expect, it } from 'vitest';
import type { LngLat, TileFeature } from '../../src/web/api-types.js';
import { mergeTilesByCell } from '../../src/web/merge-cells.js';

const RING: LngLat[] = [
  [-71.06, 42.365],
  [-71.067, 42.364],
  [-71.069, 42.36],
  [-71.064, 42.356],
  [-71.058, 42.357],
  [-71.055, 42.362],
  [-71.06, 42.365],
];

function tile(
  cellId: string,
  provider: string,
  count: number,
  avgSpeedKmh: number | null,
  extra = {},
): TileFeature {
  return {
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [RING] },
    properties: {
      cellId,
      provider,
      windowStart: '2025-10-04T14:05:00.000Z',
      windowEnd: '2025-10-04T14:10:00.000Z',
      count,
      vehicles: Math.ceil(count / 2),
      avgSpeedKmh,
      ...extra,
    },
  };
}

const all = () => true;

describe('mergeTilesByCell', () => {
  it('gives one summary per cell, summing counts and vehicles over providers', () => {
    const cells = mergeTilesByCell(
      [tile('a', 'mbta', 10, 20), tile('a', 'opensky', 2, 600), tile('b', 'mbta', 1, null)],
      all,
    );
    expect(cells.map((c) => c.cellId)).toEqual(['a', 'b']);
    expect(cells[0]).toMatchObject({ count: 12, vehicles: 6 });
    expect(cells[0]?.providers).toEqual([
      { provider: 'mbta', count: 10, vehicles: 5 },
      { provider: 'opensky', count: 2, vehicles: 1 },
    ]);
  });

  it('averages speeds weighted by count, or by speedSamples when the server sends them', () => {
    const byCount = mergeTilesByCell([tile('a', 'mbta', 3, 10), tile('a', 'sim', 1, 50)], all);
    expect(byCount[0]?.avgSpeedKmh).toBe(20);
    const bySamples = mergeTilesByCell(
      [tile('a', 'mbta', 3, 10, { speedSamples: 1 }), tile('a', 'sim', 1, 50, { speedSamples: 1 })],
      all,
    );
    expect(bySamples[0]?.avgSpeedKmh).toBe(30);
  });

  it('leaves the speed null when no provider of the cell reported one', () => {
    const cells = mergeTilesByCell([tile('a', 'mbta', 3, null), tile('a', 'sim', 1, null)], all);
    expect(cells[0]?.avgSpeedKmh).toBeNull();
  });

  it('ignores providers the filter leaves out, and cells left empty by it', () => {
    const cells = mergeTilesByCell(
      [tile('a', 'mbta', 3, 10), tile('a', 'opensky', 1, 700), tile('b', 'opensky', 4, 800)],
      (p) => p === 'mbta',
    );
    expect(cells).toHaveLength(1);
    expect(cells[0]).toMatchObject({ cellId: 'a', count: 3, avgSpeedKmh: 10 });
  });

  it('skips malformed features instead of failing', () => {
    const broken = [
      { type: 'Feature', geometry: null, properties: { cellId: 'x', provider: 'mbta', count: 1 } },
      { type: 'Feature', geometry: { type: 'Polygon', coordinates: [RING] }, properties: null },
      tile('c', 'mbta', Number.NaN, 1),
    ] as unknown as TileFeature[];
    expect(
      mergeTilesByCell([...broken, tile('ok', 'mbta', 1, 1)], all).map((c) => c.cellId),
    ).toEqual(['ok']);
  });

  it('keeps the outline of the cell as the API sent it, in GeoJSON order', () => {
    expect(mergeTilesByCell([tile('a', 'mbta', 1, 1)], all)[0]?.ring).toEqual(RING);
  });
});

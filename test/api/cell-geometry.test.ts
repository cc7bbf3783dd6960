/**
 * Hexagon rings: golden files (test/in/cell-rings-*.json against test/out/cell-rings-*.geojson),
 * plus properties every ring must have. Regenerate the golden outputs only on purpose, with
 * `UPDATE_GOLDEN=1 npx vitest run --project unit test/api/cell-geometry.test.ts`, then
 * `npx prettier --write test/out`, and review the diff before keeping it.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { getPentagons, gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import {
  cellToGeoJsonRing,
  RING_CACHE_CAPACITY,
  ringCacheSize,
  ringToJson,
} from '../../src/api/cell-geometry.js';
import { InvalidCellError } from '../../src/errors.js';
import { REPO_ROOT } from '../support/recordings.js';

const IN_DIR = join(REPO_ROOT, 'test/in');
const OUT_DIR = join(REPO_ROOT, 'test/out');
const GOLDEN_CASES = readdirSync(IN_DIR).filter((name) => name.startsWith('cell-rings-'));

function ringsAsCollection(cells: string[]): object {
  return {
    type: 'FeatureCollection',
    features: cells.map((cellId) => ({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [cellToGeoJsonRing(cellId)] },
      properties: { cellId },
    })),
  };
}

function longitudeSpan(ring: number[][]): number {
  const lons = ring.map((position) => position[0]!);
  return Math.max(...lons) - Math.min(...lons);
}

/** Twice the signed area in the lon/lat plane: positive for a counterclockwise ring. */
function signedArea(ring: number[][]): number {
  let sum = 0;
  for (let i = 0; i < ring.length - 1; i += 1) {
    sum += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  }
  return sum;
}

function holdsAPole(cellId: string, res: number): boolean {
  return latLngToCell(90, 0, res) === cellId || latLngToCell(-90, 0, res) === cellId;
}

describe('cellToGeoJsonRing', () => {
  it('finds golden cases to check', () => {
    expect(GOLDEN_CASES.length).toBeGreaterThanOrEqual(4);
  });

  for (const name of GOLDEN_CASES) {
    it(`matches the reviewed rings of ${name}`, () => {
      const input = JSON.parse(readFileSync(join(IN_DIR, name), 'utf8')) as { cells: string[] };
      const outPath = join(OUT_DIR, name.replace(/\.json$/, '.geojson'));
      const actual = ringsAsCollection(input.cells);
      if (process.env.UPDATE_GOLDEN === '1') {
        writeFileSync(outPath, `${JSON.stringify(actual, null, 1)}\n`);
      }
      expect(actual).toEqual(JSON.parse(readFileSync(outPath, 'utf8')));
    });
  }

  it('puts a Boston cell at longitude -71 and latitude 42, in GeoJSON order', () => {
    const ring = cellToGeoJsonRing(latLngToCell(42.3555, -71.0605, 8));
    for (const [lon, lat] of ring) {
      expect(lon).toBeCloseTo(-71.06, 1);
      expect(lat).toBeCloseTo(42.35, 1);
    }
  });

  it('closes the ring and winds it counterclockwise', () => {
    const ring = cellToGeoJsonRing('882a306615fffff');
    expect(ring).toHaveLength(7);
    expect(ring[6]).toEqual(ring[0]);
    expect(signedArea(ring)).toBeGreaterThan(0);
  });

  it('draws a cell across the antimeridian small, on the eastern side', () => {
    const ring = cellToGeoJsonRing(latLngToCell(0, 179.99, 3));
    expect(longitudeSpan(ring)).toBeLessThan(2);
    expect(Math.min(...ring.map((p) => p[0]!))).toBeGreaterThan(179);
    expect(Math.max(...ring.map((p) => p[0]!))).toBeGreaterThan(180);
  });

  it('gives the same cell the same ring whichever side of 180 its centre is on', () => {
    const cellId = latLngToCell(0, 179.99, 3);
    expect(latLngToCell(0, -179.99, 3)).toBe(cellId);
    expect(cellToGeoJsonRing(cellId)).toBe(cellToGeoJsonRing(latLngToCell(0, -179.99, 3)));
  });

  it('makes the cell that holds the North Pole a cap from -180 to 180 up to latitude 90', () => {
    const ring = cellToGeoJsonRing(latLngToCell(90, 0, 8));
    expect(ring).toContainEqual([180, 90]);
    expect(ring).toContainEqual([-180, 90]);
    expect(ring.every(([, lat]) => lat! > 89.99)).toBe(true);
    expect(signedArea(ring)).toBeGreaterThan(0);
  });

  it('makes the cell that holds the South Pole a cap down to latitude -90', () => {
    const ring = cellToGeoJsonRing(latLngToCell(-90, 0, 3));
    expect(ring).toContainEqual([-180, -90]);
    expect(ring.every(([, lat]) => lat! < -88)).toBe(true);
    expect(signedArea(ring)).toBeGreaterThan(0);
  });

  it('draws a pentagon with five sides', () => {
    const ring = cellToGeoJsonRing(getPentagons(8)[0]!);
    expect(ring).toHaveLength(6);
    expect(ring[5]).toEqual(ring[0]);
  });

  it('keeps every ring closed, counterclockwise and within 180 degrees, poles aside', () => {
    const anyCell = fc
      .record({
        lat: fc.double({ min: -90, max: 90, noNaN: true }),
        lon: fc.double({ min: -180, max: 180, noNaN: true }),
        res: fc.integer({ min: 0, max: 15 }),
      })
      .map(({ lat, lon, res }) => ({ cellId: latLngToCell(lat, lon, res), res }));
    fc.assert(
      fc.property(anyCell, ({ cellId, res }) => {
        const ring = cellToGeoJsonRing(cellId);
        expect(ring[ring.length - 1]).toEqual(ring[0]);
        expect(signedArea(ring)).toBeGreaterThan(0);
        expect(ring.every(([, lat]) => lat! >= -90 && lat! <= 90)).toBe(true);
        if (!holdsAPole(cellId, res)) expect(longitudeSpan(ring)).toBeLessThanOrEqual(180);
      }),
      { numRuns: 2000 },
    );
  });

  it('rounds positions to 6 decimals (RFC 7946, section 11.2)', () => {
    for (const [lon, lat] of cellToGeoJsonRing('892a306615bffff')) {
      expect(Math.round(lon! * 1e6) / 1e6).toBe(lon);
      expect(Math.round(lat! * 1e6) / 1e6).toBe(lat);
    }
  });

  it('refuses a string that is not an H3 cell, with code HM_BAD_CELL', () => {
    for (const bad of ['zz', '', '882a306615fffff0', 'ffffffffffffffff']) {
      expect(() => cellToGeoJsonRing(bad)).toThrow(InvalidCellError);
    }
    expect(() => cellToGeoJsonRing('zz')).toThrow(expect.objectContaining({ code: 'HM_BAD_CELL' }));
  });

  it('shares one frozen ring per cell, so callers cannot change the cache', () => {
    const ring = cellToGeoJsonRing('882a306615fffff');
    expect(cellToGeoJsonRing('882a306615fffff')).toBe(ring);
    expect(() => ring.push([0, 0])).toThrow(TypeError);
    expect(() => {
      ring[0]![0] = 0;
    }).toThrow(TypeError);
  });

  it('keeps the cache bounded, dropping the least recently used ring', () => {
    const keep = '882a306615fffff';
    const many = gridDisk(latLngToCell(42.3555, -71.0605, 9), 130);
    expect(many.length).toBeGreaterThan(RING_CACHE_CAPACITY);
    const kept = cellToGeoJsonRing(keep);
    const firstOfMany = cellToGeoJsonRing(many[0]!);
    for (const [i, cellId] of many.entries()) {
      cellToGeoJsonRing(cellId);
      if (i % 1000 === 0) cellToGeoJsonRing(keep);
    }
    expect(ringCacheSize()).toBe(RING_CACHE_CAPACITY);
    expect(cellToGeoJsonRing(keep)).toBe(kept);
    const again = cellToGeoJsonRing(many[0]!);
    expect(again).not.toBe(firstOfMany);
    expect(again).toEqual(firstOfMany);
  });
});

describe('ringToJson', () => {
  it('gives the JSON text of a cached ring', () => {
    const ring = cellToGeoJsonRing('882a306615fffff');
    expect(ringToJson(ring)).toBe(JSON.stringify(ring));
  });

  it('serialises a ring that did not come from the cache', () => {
    expect(
      ringToJson([
        [1, 2],
        [3, 4],
        [1, 2],
      ]),
    ).toBe('[[1,2],[3,4],[1,2]]');
  });
});

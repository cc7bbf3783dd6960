import { cellToBoundary, gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import {
  centreOf,
  denseExtentOf,
  weightedRangeOf,
  type WeightedShape,
} from '../../src/web/dense-extent.js';
import type { LatLngPair } from '../../src/web/lng-lat.js';

/** A resolution-8 hexagon as the layer holds it: [lat, lng] outline, weighted by its reports. */
function hexagon(lat: number, lng: number, weight: number): WeightedShape {
  return { points: cellToBoundary(latLngToCell(lat, lng, 8)) as LatLngPair[], weight };
}

/** The 331 cells within 10 steps of downtown Boston, 20 reports each. */
function bostonCore(): WeightedShape[] {
  return gridDisk(latLngToCell(42.356, -71.06, 8), 10).map((cell) => ({
    points: cellToBoundary(cell) as LatLngPair[],
    weight: 20,
  }));
}

function values(...pairs: [number, number][]) {
  return pairs.map(([value, weight]) => ({ value, weight }));
}

describe('weightedRangeOf', () => {
  it('returns the smallest and largest value when nothing is trimmed', () => {
    expect(weightedRangeOf(values([3, 1], [1, 1], [2, 1]), 0)).toEqual([1, 3]);
  });

  it('keeps every value of a set smaller than one over the trim', () => {
    const ten = Array.from({ length: 10 }, (_, i) => [i, 1] as [number, number]);
    expect(weightedRangeOf(values(...ten), 0.02)).toEqual([0, 9]);
  });

  it('cuts the values whose whole weight lies in the trimmed share at each end', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => [i, 1] as [number, number]);
    expect(weightedRangeOf(values(...hundred), 0.02)).toEqual([2, 97]);
  });

  it('cuts a light value at an end, but not one heavier than the cut', () => {
    expect(weightedRangeOf(values([0, 1], [1, 500], [2, 500], [3, 1]), 0.02)).toEqual([1, 2]);
    expect(weightedRangeOf(values([0, 30], [1, 500], [2, 500], [3, 30]), 0.02)).toEqual([0, 3]);
  });
});

describe('centreOf', () => {
  it('averages the points of a shape', () => {
    expect(
      centreOf([
        [0, 0],
        [2, 4],
      ]),
    ).toEqual([1, 2]);
  });

  it('places a single point on itself and an empty shape nowhere', () => {
    expect(centreOf([[42.36, -71.06]])).toEqual([42.36, -71.06]);
    expect(centreOf([])).toBeNull();
  });
});

describe('denseExtentOf', () => {
  it('frames the dense core and leaves out a few far commuter trains', () => {
    // Two trains 60-80 km out (Worcester, Providence), as on the MBTA feed.
    const shapes = [...bostonCore(), hexagon(42.26, -71.8, 3), hexagon(41.82, -71.41, 3)];
    const box = denseExtentOf(shapes);
    expect(box).not.toBeNull();
    expect(box!.west).toBeGreaterThan(-71.25);
    expect(box!.south).toBeGreaterThan(42.25);
    expect(box!.north).toBeLessThan(42.46);
    expect(box!.east).toBeLessThan(-70.87);
  });

  it('drops long trails of light cells that are many cells but few reports', () => {
    // A train's path out to 70 km: 40 cells of 1 report each, 11% of the cells, 0.6% of reports.
    const trail = Array.from({ length: 40 }, (_, i) => hexagon(42.356, -71.1 - i * 0.02, 1));
    const box = denseExtentOf([...bostonCore(), ...trail]);
    expect(box!.west).toBeGreaterThan(-71.25);
  });

  it('covers the whole outline of every kept hexagon, not only its centre', () => {
    const core = bostonCore();
    const box = denseExtentOf(core, 0)!;
    const lats = core.flatMap((s) => s.points.map((p) => p[0]));
    const lngs = core.flatMap((s) => s.points.map((p) => p[1]));
    expect(box).toEqual({
      south: Math.min(...lats),
      north: Math.max(...lats),
      west: Math.min(...lngs),
      east: Math.max(...lngs),
    });
  });

  it('keeps everything when there are only a few shapes', () => {
    const vehicles: WeightedShape[] = [
      { points: [[42.36, -71.06]], weight: 1 },
      { points: [[41.82, -71.41]], weight: 1 },
      { points: [[42.52, -70.89]], weight: 1 },
    ];
    expect(denseExtentOf(vehicles)).toEqual({
      south: 41.82,
      north: 42.52,
      west: -71.41,
      east: -70.89,
    });
  });

  it('ignores shapes without points or without a positive weight, and may find none', () => {
    expect(denseExtentOf([])).toBeNull();
    expect(
      denseExtentOf([
        { points: [], weight: 4 },
        { points: [[1, 1]], weight: 0 },
        { points: [[2, 2]], weight: Number.NaN },
      ]),
    ).toBeNull();
    expect(
      denseExtentOf([
        { points: [[5, 6]], weight: 1 },
        { points: [[1, 1]], weight: 0 },
      ]),
    ).toEqual({ south: 5, north: 5, west: 6, east: 6 });
  });

  it('falls back to the trimmed ranges when no centre lies in both', () => {
    // The medians: latitude 1 is B's, longitude 1 is A's; no shape has both.
    const scattered: WeightedShape[] = [
      { points: [[0, 1]], weight: 1 },
      { points: [[1, 2]], weight: 1 },
      { points: [[2, 0]], weight: 1 },
    ];
    expect(denseExtentOf(scattered, 0.49)).toEqual({ south: 1, north: 1, west: 1, east: 1 });
  });

  it('refuses a trim that would cut half or more', () => {
    expect(() => denseExtentOf(bostonCore(), 0.5)).toThrow(RangeError);
    expect(() => denseExtentOf(bostonCore(), -0.1)).toThrow(/trim must be in \[0, 0.5\), got -0.1/);
  });
});

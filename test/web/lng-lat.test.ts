import { describe, expect, it } from 'vitest';
import { isLngLat, lngLatToLatLng, ringToLatLngs } from '../../src/web/lng-lat.js';

describe('lngLatToLatLng', () => {
  it('swaps GeoJSON [lon, lat] into Leaflet [lat, lon]', () => {
    expect(lngLatToLatLng([-71.06, 42.36])).toEqual([42.36, -71.06]);
  });
});

describe('isLngLat', () => {
  it('accepts finite pairs (and a third value such as an altitude)', () => {
    expect(isLngLat([-71.06, 42.36])).toBe(true);
    expect(isLngLat([180.4, 10, 300])).toBe(true);
  });

  it('rejects missing, non-finite and swapped-looking positions', () => {
    expect(isLngLat([1])).toBe(false);
    expect(isLngLat([Number.NaN, 1])).toBe(false);
    expect(isLngLat([42.36, -171.06])).toBe(false);
    expect(isLngLat(null)).toBe(false);
    expect(isLngLat('1,2')).toBe(false);
  });
});

describe('ringToLatLngs', () => {
  it('drops the closing repeat of a GeoJSON ring, since Leaflet closes polygons itself', () => {
    const ring: [number, number][] = [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 0],
    ];
    expect(ringToLatLngs(ring)).toEqual([
      [0, 0],
      [0, 1],
      [1, 1],
    ]);
  });

  it('keeps an open ring whole', () => {
    expect(
      ringToLatLngs([
        [0, 0],
        [1, 0],
        [1, 1],
      ]),
    ).toHaveLength(3);
  });

  it('keeps a cell shifted past the antimeridian where the API put it', () => {
    expect(
      ringToLatLngs([
        [179.6, 10],
        [180.4, 10],
        [180, 10.5],
        [179.6, 10],
      ])[1],
    ).toEqual([10, 180.4]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  isWindowComplete,
  positionPageToGeoJson,
  tilePageToGeoJson,
} from '../../src/api/geojson.js';
import { featureCollectionToJson } from '../../src/api/geojson-text.js';
import { InvalidCellError } from '../../src/errors.js';
import { BOSTON, LONDON, MINUTE, positionAt, T0, tileAt } from './api-fixtures.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('isWindowComplete', () => {
  it('calls a window complete once its end is at or before the watermark', () => {
    expect(isWindowComplete(T0, T0)).toBe(true);
    expect(isWindowComplete(T0, T0 + 1)).toBe(true);
    expect(isWindowComplete(T0, T0 - 1)).toBe(false);
  });

  it('calls nothing complete without a window or a watermark', () => {
    expect(isWindowComplete(null, T0)).toBe(false);
    expect(isWindowComplete(T0, null)).toBe(false);
  });
});

describe('tilePageToGeoJson', () => {
  const tile = tileAt({
    provider: 'mbta',
    ...BOSTON,
    windowStartMs: T0,
    count: 4,
    speeds: [10, 20],
  });
  const page = { windowStartMs: T0, windowEndMs: T0 + 5 * MINUTE, tiles: [tile], truncated: true };

  it('makes one Polygon per tile with the SPEC 5 properties and ISO times', () => {
    const collection = tilePageToGeoJson(page, null);
    expect(collection).toMatchObject({
      type: 'FeatureCollection',
      windowStart: '2025-10-04T10:20:00.000Z',
      windowEnd: '2025-10-04T10:25:00.000Z',
      complete: false,
      truncated: true,
    });
    const feature = collection.features[0]!;
    expect(feature.geometry.type).toBe('Polygon');
    expect(feature.properties).toEqual({
      cellId: tile.cellId,
      provider: 'mbta',
      windowStart: '2025-10-04T10:20:00.000Z',
      windowEnd: '2025-10-04T10:25:00.000Z',
      count: 4,
      vehicles: 1,
      avgSpeedKmh: 15,
      speedSamples: 2,
    });
  });

  it('writes rings in [lon, lat] order', () => {
    const ring = tilePageToGeoJson(page, null).features[0]!.geometry.coordinates[0]!;
    for (const [lon, lat] of ring) {
      expect(lon).toBeGreaterThan(-71.1);
      expect(lon).toBeLessThan(-71.0);
      expect(lat).toBeGreaterThan(42.3);
      expect(lat).toBeLessThan(42.4);
    }
  });

  it('says complete when the watermark has passed the window end', () => {
    expect(tilePageToGeoJson(page, T0 + 5 * MINUTE).complete).toBe(true);
  });

  it('gives null times for an empty store', () => {
    const empty = { windowStartMs: null, windowEndMs: null, tiles: [], truncated: false };
    expect(tilePageToGeoJson(empty, T0)).toEqual({
      type: 'FeatureCollection',
      windowStart: null,
      windowEnd: null,
      complete: false,
      truncated: false,
      features: [],
    });
  });

  it('refuses a tile whose cell is not an H3 cell', () => {
    const bad = { ...page, tiles: [{ ...tile, cellId: 'not-a-cell' }] };
    expect(() => tilePageToGeoJson(bad, null)).toThrow(InvalidCellError);
  });
});

describe('positionPageToGeoJson', () => {
  const bus = positionAt('mbta', 'y1234', BOSTON, T0 - 30_000, { speedKmh: 21.6, routeId: '39' });
  const plane = positionAt('opensky', 'a1b2c3', LONDON, T0, { altitudeM: 1200, onGround: false });

  it('makes Points at [lon, lat] with ages from the stream clock', () => {
    const collection = positionPageToGeoJson(
      { positions: [bus, plane], truncated: false },
      T0 + 5000,
    );
    expect(collection.clock).toBe('2025-10-04T10:20:05.000Z');
    const [first, second] = collection.features;
    expect(first!.geometry).toEqual({ type: 'Point', coordinates: [BOSTON.lon, BOSTON.lat] });
    expect(first!.id).toBe('mbta:y1234');
    expect(first!.properties.ageSec).toBe(35);
    expect(second!.properties.ageSec).toBe(5);
  });

  it('writes every property, null where the report has none', () => {
    const feature = positionPageToGeoJson({ positions: [bus], truncated: false }, T0).features[0]!;
    expect(feature.properties).toEqual({
      vehicleId: 'y1234',
      provider: 'mbta',
      ts: '2025-10-04T10:19:30.000Z',
      speedKmh: 21.6,
      bearing: null,
      label: null,
      routeId: '39',
      altitudeM: null,
      onGround: null,
      mode: null,
      ageSec: 30,
    });
    expect(feature.properties.ts).toMatch(ISO);
  });

  it('never gives a negative age when a report is newer than the given clock', () => {
    const collection = positionPageToGeoJson(
      { positions: [bus, plane], truncated: false },
      T0 - MINUTE,
    );
    expect(collection.clock).toBe('2025-10-04T10:20:00.000Z');
    expect(collection.features.map((f) => f.properties.ageSec)).toEqual([30, 0]);
  });

  it('has no clock when there is neither data nor a stream clock', () => {
    expect(positionPageToGeoJson({ positions: [], truncated: false }, null)).toEqual({
      type: 'FeatureCollection',
      clock: null,
      truncated: false,
      features: [],
    });
  });
});

describe('featureCollectionToJson', () => {
  it('writes the same JSON as JSON.stringify for tiles', () => {
    const tiles = [
      tileAt({ provider: 'mbta', ...BOSTON, windowStartMs: T0, count: 4 }),
      tileAt({ provider: 'sim', lat: 0, lon: 179.99, res: 3, windowStartMs: T0, count: 1 }),
    ];
    const collection = tilePageToGeoJson(
      { windowStartMs: T0, windowEndMs: T0 + 5 * MINUTE, tiles, truncated: false },
      T0,
    );
    expect(JSON.parse(featureCollectionToJson(collection))).toEqual(
      JSON.parse(JSON.stringify(collection)),
    );
  });

  it('writes the same JSON as JSON.stringify for positions, ids included', () => {
    const collection = positionPageToGeoJson(
      { positions: [positionAt('mbta', 'a "quoted" id', BOSTON, T0)], truncated: true },
      T0,
    );
    const text = featureCollectionToJson(collection);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(collection)));
    expect(text).toContain('"id":"mbta:a \\"quoted\\" id"');
  });

  it('writes other geometries and a collection without foreign members', () => {
    const collection = {
      features: [
        { type: 'Feature' as const, geometry: null, properties: null },
        {
          type: 'Feature' as const,
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [0, 0],
                [1, 0],
                [0, 1],
                [0, 0],
              ],
            ],
            bbox: [0, 0, 1, 1],
          },
          properties: { a: 1 },
        },
      ],
    };
    expect(JSON.parse(featureCollectionToJson(collection))).toEqual(collection);
  });
});

/**
 * Test support: the cases of the map routes, run over every Store (the memory store in
 * routes-map.test.ts, the SQLite store in sqlite-store-api.test.ts), so the API answers the same
 * whichever store is behind it. Only behaviour the Store interface promises is asserted here.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../src/api/server.js';
import type { Store } from '../../src/store/store.js';
import {
  ENGINE_ID,
  loadStore,
  MINUTE,
  standardData,
  statsWith,
  T0,
  tileAt,
} from './api-fixtures.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface Collection {
  type: string;
  features: Array<{
    id?: string;
    geometry: { type: string; coordinates: unknown };
    properties: Record<string, unknown>;
  }>;
  [member: string]: unknown;
}

/**
 * Declares the map-route cases over stores made by `makeStore`.
 *
 * @param label - the store's name, for the describe blocks
 * @param makeStore - a new, empty store per case
 */
export function runMapRouteCases(label: string, makeStore: () => Promise<Store>): void {
  let store: Store;
  let app: FastifyInstance;

  beforeEach(async () => {
    store = await makeStore();
    await loadStore(store, standardData());
    app = await buildApiServer({ store, engineId: ENGINE_ID, logger: false });
  });

  afterEach(async () => {
    await app.close();
    await store.close();
  });

  async function getCollection(url: string): Promise<Collection> {
    const response = await app.inject(url);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/geo+json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    return response.json<Collection>();
  }

  const byProviderAndCell = (c: Collection): string[] =>
    c.features.map((f) => `${f.properties.provider}/${f.properties.cellId}`).sort();

  describe(`GET /api/tiles/latest over the ${label} store`, () => {
    it('answers the hexagons of the newest window as a GeoJSON FeatureCollection', async () => {
      const c = await getCollection('/api/tiles/latest');
      expect(c).toMatchObject({
        type: 'FeatureCollection',
        windowStart: '2025-10-04T10:20:00.000Z',
        windowEnd: '2025-10-04T10:25:00.000Z',
        complete: false,
        truncated: false,
      });
      expect(c.features).toHaveLength(3);
      for (const f of c.features) {
        expect(f.geometry.type).toBe('Polygon');
        expect(f.properties.windowStart).toMatch(ISO);
        expect(f.properties.windowEnd).toMatch(ISO);
        expect(Object.keys(f.properties)).toEqual(
          expect.arrayContaining(['cellId', 'provider', 'count', 'vehicles', 'avgSpeedKmh']),
        );
      }
    });

    it('draws a Boston hexagon at longitude -71 and latitude 42', async () => {
      const c = await getCollection('/api/tiles/latest?provider=mbta');
      const ring = (c.features[0]!.geometry.coordinates as number[][][])[0]!;
      for (const [lon, lat] of ring) {
        expect(Math.round(lon!)).toBe(-71);
        expect(Math.round(lat!)).toBe(42);
      }
    });

    it('keeps only the providers asked for', async () => {
      const c = await getCollection('/api/tiles/latest?provider=opensky');
      expect(c.features.map((f) => f.properties.provider)).toEqual(['opensky']);
      expect(c.features[0]!.properties.count).toBe(5);
    });

    it('keeps only hexagons whose centre lies in the bbox', async () => {
      const c = await getCollection('/api/tiles/latest?bbox=-72,42,-70,43');
      expect(c.features.map((f) => f.properties.provider)).toEqual(['mbta', 'mbta']);
    });

    it('cuts the list at limit and says so', async () => {
      const c = await getCollection('/api/tiles/latest?limit=2');
      expect(c.features).toHaveLength(2);
      expect(c.truncated).toBe(true);
      expect((await getCollection('/api/tiles/latest?limit=3')).truncated).toBe(false);
    });

    it('says complete once the watermark has passed the window end', async () => {
      await loadStore(store, { stats: statsWith({ watermarkMs: T0 + 5 * MINUTE }) });
      expect((await getCollection('/api/tiles/latest')).complete).toBe(true);
    });

    it('shows a small hexagon for a cell across the antimeridian', async () => {
      const tile = tileAt({
        provider: 'sim',
        lat: 0,
        lon: 179.99,
        res: 3,
        windowStartMs: T0,
        count: 1,
      });
      await loadStore(store, { tiles: [tile], stats: standardData().stats });
      const c = await getCollection('/api/tiles/latest?provider=sim');
      const lons = (c.features[0]!.geometry.coordinates as number[][][])[0]!.map((p) => p[0]!);
      expect(Math.max(...lons) - Math.min(...lons)).toBeLessThan(2);
    });
  });

  describe(`a bbox across the antimeridian over the ${label} store`, () => {
    it('keeps what lies on both sides of 180 degrees (RFC 7946, section 5.2)', async () => {
      const east = tileAt({ provider: 'sim', lat: -16, lon: 179.9, windowStartMs: T0, count: 1 });
      const west = tileAt({ provider: 'sim', lat: -16, lon: -179.9, windowStartMs: T0, count: 2 });
      await loadStore(store, { tiles: [east, west], stats: standardData().stats });
      const c = await getCollection('/api/tiles/latest?bbox=170,-20,-170,20');
      expect(c.features.map((f) => f.properties.count).sort()).toEqual([1, 2]);
      const none = await getCollection('/api/tiles/latest?bbox=-170,-20,170,-10');
      expect(none.features).toEqual([]);
    });
  });

  describe(`GET /api/tiles/range over the ${label} store`, () => {
    it('merges the windows of the last 15 minutes by default: counts summed, speeds over all samples', async () => {
      const c = await getCollection('/api/tiles/range?provider=mbta');
      expect(c.windowStart).toBe('2025-10-04T10:10:00.000Z');
      expect(c.windowEnd).toBe('2025-10-04T10:25:00.000Z');
      const boston = c.features.find((f) => f.properties.count === 9);
      expect(boston?.properties.avgSpeedKmh).toBe(25);
      expect(c.features).toHaveLength(2);
    });

    it('takes only the windows that end within the given minutes', async () => {
      const five = await getCollection('/api/tiles/range?provider=mbta&minutes=5');
      expect(five.features.map((f) => f.properties.count).sort()).toEqual([1, 4]);
      const ten = await getCollection('/api/tiles/range?provider=mbta&minutes=10');
      const boston = ten.features.find((f) => f.properties.count === 7);
      expect(boston?.properties.avgSpeedKmh).toBe(30);
    });

    it('filters by provider and bbox and cuts at limit', async () => {
      const all = await getCollection('/api/tiles/range');
      expect(byProviderAndCell(all)).toHaveLength(3);
      const london = await getCollection('/api/tiles/range?bbox=-1,51,0,52');
      expect(london.features.map((f) => f.properties.provider)).toEqual(['opensky']);
      const cut = await getCollection('/api/tiles/range?limit=1');
      expect(cut.features).toHaveLength(1);
      expect(cut.truncated).toBe(true);
    });
  });

  describe(`GET /api/positions/latest over the ${label} store`, () => {
    it('answers vehicles seen within 600 s of the stream clock, as Points at [lon, lat]', async () => {
      const c = await getCollection('/api/positions/latest');
      expect(c.clock).toBe('2025-10-04T10:24:00.000Z');
      expect(c.truncated).toBe(false);
      const ids = c.features.map((f) => f.properties.vehicleId).sort();
      expect(ids).toEqual(['a1b2c3', 'y1234']);
      const bus = c.features.find((f) => f.properties.vehicleId === 'y1234')!;
      expect(bus.geometry).toEqual({ type: 'Point', coordinates: [-71.0605, 42.3555] });
      expect(bus.properties).toMatchObject({
        provider: 'mbta',
        ts: '2025-10-04T10:23:30.000Z',
        speedKmh: 21.6,
        bearing: 90,
        label: '1234',
        routeId: '39',
        altitudeM: null,
        onGround: null,
        ageSec: 30,
      });
    });

    it('carries the aircraft fields', async () => {
      const c = await getCollection('/api/positions/latest?provider=opensky');
      expect(c.features[0]!.properties).toMatchObject({
        altitudeM: 1200,
        onGround: false,
        label: 'BAW123',
        ageSec: 0,
      });
    });

    it('reaches older vehicles with a larger maxAgeSec', async () => {
      const c = await getCollection('/api/positions/latest?maxAgeSec=1000');
      expect(c.features).toHaveLength(3);
      const old = c.features.find((f) => f.properties.vehicleId === 'y0001')!;
      expect(old.properties.ageSec).toBe(900);
    });

    it('filters by provider and bbox and cuts at limit', async () => {
      const mbta = await getCollection('/api/positions/latest?provider=mbta&maxAgeSec=1000');
      expect(mbta.features.map((f) => f.properties.provider)).toEqual(['mbta', 'mbta']);
      const london = await getCollection('/api/positions/latest?bbox=-1,51,0,52');
      expect(london.features.map((f) => f.id)).toEqual(['opensky:a1b2c3']);
      const cut = await getCollection('/api/positions/latest?limit=1');
      expect(cut.features).toHaveLength(1);
      expect(cut.truncated).toBe(true);
    });
  });

  describe(`map routes over an empty ${label} store`, () => {
    it('answer empty collections, not errors', async () => {
      const emptyStore = await makeStore();
      const emptyApp = await buildApiServer({ store: emptyStore, logger: false });
      for (const url of ['/api/tiles/latest', '/api/tiles/range', '/api/positions/latest']) {
        const response = await emptyApp.inject(url);
        expect(response.statusCode).toBe(200);
        expect(response.json<Collection>().features).toEqual([]);
      }
      const latest = (await emptyApp.inject('/api/tiles/latest')).json<Collection>();
      expect(latest).toMatchObject({ windowStart: null, windowEnd: null, complete: false });
      await emptyApp.close();
      await emptyStore.close();
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../src/api/server.js';
import { ENGINE_ID, loadStore, standardData } from './api-fixtures.js';
import { runMapRouteCases } from './map-route-cases.js';
import { MemoryStore } from './memory-store.js';

runMapRouteCases('memory', async () => new MemoryStore());

describe('map routes with bad parameters', () => {
  const store = new MemoryStore();
  let app: Awaited<ReturnType<typeof buildApiServer>>;

  beforeAll(async () => {
    await loadStore(store, standardData());
    app = await buildApiServer({ store, engineId: ENGINE_ID, logger: false });
  });

  afterAll(async () => {
    await app.close();
  });

  const cases: Array<[string, string]> = [
    ['/api/tiles/latest?provider=MBTA', 'provider'],
    ['/api/tiles/latest?provider=', 'provider'],
    ['/api/tiles/latest?provider=mbta,,sim', 'provider'],
    ['/api/tiles/latest?bbox=1,2,3', 'bbox'],
    ['/api/tiles/latest?bbox=NaN,1,2,3', 'bbox'],
    ['/api/tiles/latest?bbox=-200,0,0,1', 'bbox'],
    ['/api/tiles/latest?bbox=0,50,1,40', 'bbox'],
    ['/api/tiles/latest?bbox=10,0,5,100', 'bbox'],
    ['/api/tiles/latest?limit=0', 'limit'],
    ['/api/tiles/latest?limit=-1', 'limit'],
    ['/api/tiles/latest?limit=abc', 'limit'],
    ['/api/tiles/latest?limit=100001', 'limit'],
    ['/api/tiles/latest?limit=1&limit=2', 'limit'],
    ['/api/tiles/range?minutes=0', 'minutes'],
    ['/api/tiles/range?minutes=1441', 'minutes'],
    ['/api/tiles/range?minutes=soon', 'minutes'],
    ['/api/tiles/range?bbox=1,2,3', 'bbox'],
    ['/api/positions/latest?maxAgeSec=0', 'maxAgeSec'],
    ['/api/positions/latest?maxAgeSec=86401', 'maxAgeSec'],
    ['/api/positions/latest?maxAgeSec=1.5', 'maxAgeSec'],
    ['/api/positions/latest?provider=opensky&provider=mbta', 'provider'],
    ['/api/positions/latest?limit=%20', 'limit'],
  ];

  it.each(cases)('answers %s with 400 naming %s', async (url, parameter) => {
    const response = await app.inject(url);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json<{ error: string; parameter: string; message: string }>();
    expect(body.error).toBe('bad_parameter');
    expect(body.parameter).toBe(parameter);
    expect(body.message).toContain(parameter);
  });

  it('does not read the store for a bad query', async () => {
    const before = store.reads.readLatestTiles ?? 0;
    await app.inject('/api/tiles/latest?limit=0');
    expect(store.reads.readLatestTiles ?? 0).toBe(before);
  });

  it('ignores parameters a route does not know', async () => {
    const response = await app.inject('/api/tiles/latest?minutes=abc&maxAgeSec=-1&_=123');
    expect(response.statusCode).toBe(200);
  });
});

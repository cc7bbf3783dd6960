/**
 * The API over the real SQLite store (the embedded profile's store): the same map-route cases as
 * over the memory store, plus the status routes, on an in-memory SQLite database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../src/api/server.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { ENGINE_ID, loadStore, standardData } from './api-fixtures.js';
import { runMapRouteCases } from './map-route-cases.js';

runMapRouteCases('sqlite', async () => openSqliteStore(':memory:'));

describe('status routes over the sqlite store', () => {
  const store = openSqliteStore(':memory:');

  afterEach(async () => {
    await store.close();
  });

  it("serves the engine's counters and a healthy store", async () => {
    const data = standardData();
    await loadStore(store, data);
    const app = await buildApiServer({
      store,
      engineId: ENGINE_ID,
      logger: false,
      now: () => (data.stats.newestEventMs as number) + 1000,
    });

    const stats = await app.inject('/api/stats');
    expect(stats.statusCode).toBe(200);
    expect(stats.json()).toMatchObject({
      accepted: 15,
      rejected: { bad_json: 1, no_position: 3 },
      newestEvent: '2025-10-04T10:24:00.000Z',
      lag: 1,
    });

    const health = await app.inject('/api/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ ok: true, store: { ok: true, kind: 'sqlite' } });
    await app.close();
  });
});

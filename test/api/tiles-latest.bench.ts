/**
 * How long `GET /api/tiles/latest` takes with 20,000 hexagons in the newest window (the default
 * limit), over the memory store and the SQLite store, through fastify.inject: parse, read, build
 * GeoJSON, serialise. The first request fills the ring cache; the page's polls hit it.
 * Run with `npx vitest bench --run --project unit test/api/tiles-latest.bench.ts`.
 */
import { gridDisk, latLngToCell } from 'h3-js';
import { bench, describe } from 'vitest';
import { buildApiServer } from '../../src/api/server.js';
import type { Store } from '../../src/store/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { BOSTON, ENGINE_ID, loadStore, statsWith, T0, tileAt } from './api-fixtures.js';
import { MemoryStore } from './memory-store.js';

const CELLS = gridDisk(latLngToCell(BOSTON.lat, BOSTON.lon, 8), 82).slice(0, 20_000);

async function serverWith20000Tiles(store: Store) {
  const tiles = CELLS.map((cellId, i) => ({
    ...tileAt({
      provider: 'mbta',
      ...BOSTON,
      windowStartMs: T0,
      count: 1 + (i % 50),
      speeds: [i % 90],
    }),
    cellId,
  }));
  await loadStore(store, { tiles, stats: statsWith({ watermarkMs: T0 }) });
  const app = await buildApiServer({ store, engineId: ENGINE_ID, logger: false });
  const first = await app.inject('/api/tiles/latest');
  if (first.json<{ features: unknown[] }>().features.length !== 20_000)
    throw new Error('not 20,000 tiles');
  return app;
}

describe('GET /api/tiles/latest with 20,000 tiles', async () => {
  const overMemory = await serverWith20000Tiles(new MemoryStore());
  const overSqlite = await serverWith20000Tiles(openSqliteStore(':memory:'));

  bench(
    'over the memory store',
    async () => {
      await overMemory.inject('/api/tiles/latest');
    },
    { iterations: 30, time: 0 },
  );

  bench(
    'over the SQLite store',
    async () => {
      await overSqlite.inject('/api/tiles/latest');
    },
    { iterations: 30, time: 0 },
  );
});

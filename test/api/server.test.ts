import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/api/openapi.js';
import { buildApiServer } from '../../src/api/server.js';
import { StoreError } from '../../src/errors.js';
import { ENGINE_ID, loadStore, MINUTE, standardData, T0, tileAt } from './api-fixtures.js';
import { MemoryStore } from './memory-store.js';

/** A pino logger at debug that keeps its lines, to read what the server logged. */
function capturingLogger(): { logger: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void raw.push(line) });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const apps: Array<{ close: () => Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function serverOver(
  store: MemoryStore,
  extra: Partial<Parameters<typeof buildApiServer>[0]> = {},
): Promise<Awaited<ReturnType<typeof buildApiServer>>> {
  const app = await buildApiServer({ store, engineId: ENGINE_ID, logger: false, ...extra });
  apps.push(app);
  return app;
}

describe('buildApiServer: store failures', () => {
  const routes = ['/api/tiles/latest', '/api/tiles/range', '/api/positions/latest', '/api/stats'];

  it.each(routes)(
    'answers %s with 503, a retry-after and a clear message, and logs the cause',
    async (url) => {
      const store = new MemoryStore();
      store.failWith(new Error('SQLITE_BUSY: database is locked'));
      const { logger, lines } = capturingLogger();
      const app = await serverOver(store, { logger });

      const response = await app.inject(url);
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.headers['cache-control']).toBe('no-store');
      const body = response.json<{ error: string; message: string }>();
      expect(body.error).toBe('store_unavailable');
      expect(body.message).toMatch(/^the store failed in read\w+$/);

      const logged = lines().find((line) => line.msg === 'store failed');
      expect(logged).toMatchObject({ level: 50 });
      expect(JSON.stringify(logged?.err)).toContain('database is locked');
    },
  );

  it('sends no retry-after when the store says the failure will last', async () => {
    const store = new MemoryStore();
    store.failWith(new StoreError('schema is too new', { retriable: false }));
    const response = await (await serverOver(store)).inject('/api/tiles/latest');
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBeUndefined();
  });

  it('answers 500, not a crash, when the store holds a tile with a corrupt cell', async () => {
    const store = new MemoryStore();
    const tile = tileAt({
      provider: 'mbta',
      lat: 42.3555,
      lon: -71.0605,
      windowStartMs: T0,
      count: 1,
    });
    await loadStore(store, { tiles: [{ ...tile, cellId: 'zz' }] });
    const response = await (await serverOver(store)).inject('/api/tiles/latest');
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: 'internal_error', message: 'internal error' });
  });
});

describe('buildApiServer: logs', () => {
  it('logs one debug line per answer with the route pattern, never the query string', async () => {
    const store = new MemoryStore();
    await loadStore(store, standardData());
    const { logger, lines } = capturingLogger();
    const app = await serverOver(store, { logger });

    await app.inject('/api/tiles/latest?provider=mbta&token=do-not-log-me');
    await app.inject('/api/tiles/latest?limit=0&token=do-not-log-me');
    await app.inject('/api/nowhere?token=do-not-log-me');

    const all = lines();
    expect(JSON.stringify(all)).not.toContain('do-not-log-me');
    const answered = all.filter((line) => line.msg === 'answered');
    expect(answered.map((line) => [line.route, line.statusCode])).toEqual([
      ['/api/tiles/latest', 200],
      ['/api/tiles/latest', 400],
      ['not found', 404],
    ]);
    expect(answered.every((line) => line.level === 20)).toBe(true);
    expect(all.filter((line) => (line.level as number) >= 30)).toEqual([]);
  });
});

describe('buildApiServer: unknown routes', () => {
  it('answers 404 in JSON without echoing the query string', async () => {
    const response = await (
      await serverOver(new MemoryStore())
    ).inject('/api/tiles/oldest?x=secret');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: 'not_found',
      message: 'no route GET /api/tiles/oldest',
    });
  });

  it('answers a path of bad percent-encoding with 400 in the same JSON shape', async () => {
    const response = await (await serverOver(new MemoryStore())).inject('/api/tiles/%E0%A4%A');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'bad_request' });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('takes a route with a trailing slash', async () => {
    const response = await (await serverOver(new MemoryStore())).inject('/api/tiles/latest/');
    expect(response.statusCode).toBe(200);
  });

  it('answers 404 to a method the API does not take', async () => {
    const response = await (
      await serverOver(new MemoryStore())
    ).inject({
      method: 'POST',
      url: '/api/tiles/latest',
    });
    expect(response.statusCode).toBe(404);
  });
});

describe('buildApiServer: the page', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'api-static-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Mobility Heatmap</title>');
    writeFileSync(join(dir, 'app.js'), 'console.log("map");');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and other files by name, next to the API', async () => {
    const app = await serverOver(new MemoryStore(), { staticDir: dir });
    const index = await app.inject('/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.body).toContain('Mobility Heatmap');
    expect(index.headers['cache-control']).not.toBe('no-store');
    expect((await app.inject('/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await app.inject('/api/config')).statusCode).toBe(200);
    expect((await app.inject('/api/nowhere')).json()).toMatchObject({ error: 'not_found' });
  });

  it('serves the API alone, with a warning, when the folder is missing', async () => {
    const { logger, lines } = capturingLogger();
    const app = await serverOver(new MemoryStore(), { staticDir: join(dir, 'missing'), logger });
    expect((await app.inject('/')).statusCode).toBe(404);
    expect((await app.inject('/api/health')).statusCode).toBe(200);
    expect(
      lines().find((line) => line.msg === 'page folder missing; serving the API only'),
    ).toMatchObject({
      level: 40,
    });
  });
});

describe('GET /api/openapi.json', () => {
  it('describes every route the server answers, and nothing else', async () => {
    const app = await serverOver(new MemoryStore());
    const document = (await app.inject('/api/openapi.json')).json<{
      openapi: string;
      paths: object;
    }>();
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.keys(document.paths).sort();
    const served = app
      .printRoutes({ commonPrefix: false })
      .split('\n')
      .map((line) => /(\/api\/\S+) \(GET/.exec(line)?.[1])
      .filter((path): path is string => path !== undefined)
      .sort();
    expect(served).toEqual(documented);
  });

  it('lists the query parameters each map route parses', () => {
    const paths = buildOpenApiDocument().paths as Record<
      string,
      { get: { parameters?: Array<{ name: string }> } }
    >;
    const names = (path: string): string[] =>
      (paths[path]!.get.parameters ?? []).map((p) => p.name);
    expect(names('/api/tiles/latest')).toEqual(['provider', 'bbox', 'limit']);
    expect(names('/api/tiles/range')).toEqual(['provider', 'bbox', 'limit', 'minutes']);
    expect(names('/api/positions/latest')).toEqual(['provider', 'bbox', 'limit', 'maxAgeSec']);
  });
});

describe('buildApiServer: complete windows', () => {
  it('reads the watermark of its engine to say whether the latest window is complete', async () => {
    const store = new MemoryStore();
    const data = standardData();
    await loadStore(store, { ...data, stats: { ...data.stats, watermarkMs: T0 + 5 * MINUTE } });
    const mine = await serverOver(store);
    expect((await mine.inject('/api/tiles/latest')).json()).toMatchObject({ complete: true });
    const other = await serverOver(store, { engineId: 'other-engine' });
    expect((await other.inject('/api/tiles/latest')).json()).toMatchObject({ complete: false });
  });
});

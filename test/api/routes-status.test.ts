import { afterEach, describe, expect, it, vi } from 'vitest';
import { HEALTH_TIMEOUT_MS, statsToBody } from '../../src/api/routes-status.js';
import { buildApiServer } from '../../src/api/server.js';
import { ENGINE_ID, loadStore, standardData, statsWith, T0 } from './api-fixtures.js';
import { MemoryStore } from './memory-store.js';

const apps: Array<{ close: () => Promise<unknown> }> = [];

async function serverOver(
  store: MemoryStore,
  extra: Partial<Parameters<typeof buildApiServer>[0]> = {},
): Promise<Awaited<ReturnType<typeof buildApiServer>>> {
  const app = await buildApiServer({ store, engineId: ENGINE_ID, logger: false, ...extra });
  apps.push(app);
  return app;
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  vi.useRealTimers();
});

describe('GET /api/stats', () => {
  it("answers the engine's counters, with times in ISO-8601 UTC and lag in seconds", async () => {
    const store = new MemoryStore();
    const data = standardData();
    await loadStore(store, data);
    const now = (data.stats.newestEventMs as number) + 12_500;
    const app = await serverOver(store, { now: () => now });

    const response = await app.inject('/api/stats');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({
      accepted: 15,
      duplicates: 2,
      late: 1,
      rejected: { bad_json: 1, no_position: 3 },
      cleaned: { bearing: 1 },
      watermark: '2025-10-04T10:14:00.000Z',
      newestEvent: '2025-10-04T10:24:00.000Z',
      lag: 12.5,
      lastBatchAt: '2025-10-04T10:24:02.000Z',
      batches: 4,
    });
  });

  it('answers zeros and nulls before any engine has committed', async () => {
    const app = await serverOver(new MemoryStore());
    expect((await app.inject('/api/stats')).json()).toEqual({
      accepted: 0,
      duplicates: 0,
      late: 0,
      rejected: {},
      cleaned: {},
      watermark: null,
      newestEvent: null,
      lag: null,
      lastBatchAt: null,
      batches: 0,
    });
  });

  it('reads the counters of the engine it was given', async () => {
    const store = new MemoryStore();
    await loadStore(store, { stats: statsWith({ accepted: 7 }) });
    const other = await serverOver(store, { engineId: 'someone-else' });
    expect((await other.inject('/api/stats')).json()).toMatchObject({ accepted: 0 });
    const mine = await serverOver(store);
    expect((await mine.inject('/api/stats')).json()).toMatchObject({ accepted: 7 });
  });

  it('answers 503 naming the store when the store fails', async () => {
    const store = new MemoryStore();
    store.failWith(new Error('disk I/O error at /secret/path.sqlite'));
    const response = await (await serverOver(store)).inject('/api/stats');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      error: 'store_unavailable',
      message: 'the store failed in readStats',
    });
    expect(response.body).not.toContain('/secret/path');
  });
});

describe('statsToBody', () => {
  it('gives a negative lag when the stream runs ahead of the wall clock (a simulator in the future)', () => {
    expect(statsToBody(statsWith({ newestEventMs: T0 }), T0 - 2000).lag).toBe(-2);
  });
});

describe('GET /api/health', () => {
  it('answers 200 with the store and log both healthy', async () => {
    const app = await serverOver(new MemoryStore(), {
      logHealth: async () => ({ ok: true }),
      now: () => T0,
    });
    const response = await app.inject('/api/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      ok: true,
      uptimeSec: 0,
      store: { ok: true, kind: 'memory' },
      log: { ok: true },
    });
  });

  it('shows no log when the process runs none', async () => {
    const response = await (await serverOver(new MemoryStore())).inject('/api/health');
    expect(response.json()).toMatchObject({ ok: true, log: null });
  });

  it('answers 503 when the store is unhealthy', async () => {
    const store = new MemoryStore();
    store.failWith(new Error('database is locked'));
    const response = await (await serverOver(store)).inject('/api/health');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      ok: false,
      store: { ok: false, kind: 'memory', detail: 'database is locked' },
    });
  });

  it('answers 503 when the log probe throws, with its message', async () => {
    const app = await serverOver(new MemoryStore(), {
      logHealth: async () => {
        throw new Error('log file missing');
      },
    });
    const response = await app.inject('/api/health');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      ok: false,
      log: { ok: false, detail: 'log file missing' },
    });
  });

  it('gives up on a probe that does not answer in time', async () => {
    const app = await serverOver(new MemoryStore(), {
      logHealth: () => new Promise(() => undefined),
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = app.inject('/api/health');
    await vi.advanceTimersByTimeAsync(HEALTH_TIMEOUT_MS + 1);
    const response = await pending;
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      log: { ok: false, detail: `no answer within ${HEALTH_TIMEOUT_MS} ms` },
    });
  });
});

describe('GET /api/config', () => {
  it('answers the default refresh and no base map', async () => {
    const response = await (await serverOver(new MemoryStore())).inject('/api/config');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ refreshMs: 5000, tileUrl: null });
  });

  it('answers the configured base map and credit', async () => {
    const pageConfig = {
      refreshMs: 2000,
      tileUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
      attribution: '© OpenStreetMap contributors',
    };
    const response = await (
      await serverOver(new MemoryStore(), { pageConfig })
    ).inject('/api/config');
    expect(response.json()).toEqual(pageConfig);
  });

  it('never carries the MBTA key, even when it is set', async () => {
    vi.stubEnv('MBTA_API_KEY', 'k-0123456789abcdef');
    try {
      const app = await serverOver(new MemoryStore(), {
        pageConfig: { refreshMs: 5000, tileUrl: 'https://tile.example/{z}/{x}/{y}.png' },
      });
      for (const url of ['/api/config', '/api/stats', '/api/health', '/api/openapi.json']) {
        expect((await app.inject(url)).body).not.toContain('0123456789abcdef');
      }
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('refuses to start when the base-map URL carries the MBTA key', async () => {
    vi.stubEnv('MBTA_API_KEY', 'k-0123456789abcdef');
    try {
      const pageConfig = {
        refreshMs: 5000,
        tileUrl: 'https://t.example/{z}/{x}/{y}.png?key=k-0123456789abcdef',
      };
      await expect(
        buildApiServer({ store: new MemoryStore(), logger: false, pageConfig }),
      ).rejects.toThrow(/tileUrl contains the value of MBTA_API_KEY/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

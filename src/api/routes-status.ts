/**
 * The status routes: the engine's counters (`/api/stats`), the health of the process, its store
 * and its log (`/api/health`), and the page's settings (`/api/config`). Times are ISO-8601 UTC.
 */
import type { FastifyInstance } from 'fastify';
import { msToIso } from '../event/time-format.js';
import { emptyStats, type EngineStats } from '../store/store.js';
import { probeHealth, readStore, type ApiContext, type DependencyHealth } from './api-context.js';

/** How long /api/health waits for the store or the log before calling it unhealthy. */
export const HEALTH_TIMEOUT_MS = 2000;

/** `GET /api/stats`. */
export interface StatsBody {
  accepted: number;
  duplicates: number;
  late: number;
  rejected: Record<string, number>;
  cleaned: Record<string, number>;
  watermark: string | null;
  /** The newest event time that passed validation: the stream's clock. */
  newestEvent: string | null;
  /** Seconds from the newest event time to the server's wall clock; null before any event. */
  lag: number | null;
  lastBatchAt: string | null;
  batches: number;
}

/** `GET /api/health`; answered with 200 when `ok`, else 503. */
export interface HealthBody {
  ok: boolean;
  uptimeSec: number;
  store: DependencyHealth & { kind?: string };
  /** Null when the process runs no log (an API over a store only). */
  log: DependencyHealth | null;
}

/**
 * Turns an engine's counters into the body of `/api/stats`.
 *
 * @param stats - the counters, or null when no engine has committed yet (all zero)
 * @param nowMs - the wall clock, for `lag`
 * @returns the body
 */
export function statsToBody(stats: EngineStats | null, nowMs: number): StatsBody {
  const s = stats ?? emptyStats();
  return {
    accepted: s.accepted,
    duplicates: s.duplicates,
    late: s.late,
    rejected: s.rejected,
    cleaned: s.cleaned,
    watermark: isoOrNull(s.watermarkMs),
    newestEvent: isoOrNull(s.newestEventMs),
    lag: s.newestEventMs === null ? null : (nowMs - s.newestEventMs) / 1000,
    lastBatchAt: isoOrNull(s.lastBatchAtMs),
    batches: s.batches,
  };
}

/**
 * Registers `GET /api/stats`, `GET /api/health` and `GET /api/config`.
 *
 * @param app - the Fastify server
 * @param context - the store, clock, probes and page settings
 */
export function registerStatusRoutes(app: FastifyInstance, context: ApiContext): void {
  const { store, engineId, now, logHealth, pageConfig } = context;

  app.get('/api/stats', async () => {
    const stats = await readStore('readStats', () => store.readStats(engineId));
    return statsToBody(stats, now());
  });

  app.get('/api/health', async (request, reply) => {
    const [storeHealth, log] = await Promise.all([
      probeHealth(() => store.health(), HEALTH_TIMEOUT_MS),
      logHealth === undefined ? null : probeHealth(logHealth, HEALTH_TIMEOUT_MS),
    ]);
    const body: HealthBody = {
      ok: storeHealth.ok && (log?.ok ?? true),
      uptimeSec: Math.round((now() - context.startedAtMs) / 1000),
      store: { kind: store.kind, ...storeHealth },
      log,
    };
    if (!body.ok) request.log.warn({ store: body.store, log }, 'unhealthy');
    return reply.code(body.ok ? 200 : 503).send(body);
  });

  app.get('/api/config', async () => pageConfig);
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : msToIso(ms);
}

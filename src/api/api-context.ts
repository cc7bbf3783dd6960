/**
 * What the routes share: the store, the clock, the page's configuration and the health probes,
 * and one way to call the store, so that any failure of it reaches the client as 503 with a
 * clear message (error-replies.ts), whatever the store threw.
 */
import { HeatmapError, StoreError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { PageConfig } from './page-config.js';

/** The health of something the API depends on. */
export interface DependencyHealth {
  ok: boolean;
  detail?: string;
}

/** Everything a route needs; built once by buildApiServer. */
export interface ApiContext {
  store: Store;
  /** Whose counters and watermark to read; undefined lets the store pick its engine. */
  engineId: string | undefined;
  /** The wall clock, epoch ms (only /api/stats's lag and /api/health's uptime use it). */
  now: () => number;
  pageConfig: PageConfig;
  /** The log's health, when the process runs one. */
  logHealth: (() => Promise<DependencyHealth>) | undefined;
  startedAtMs: number;
}

/**
 * Calls the store, turning any failure into a StoreError that names the operation; the original
 * error is its `cause`.
 *
 * @param operation - the Store method called, for the message and the log
 * @param call - the call itself
 * @returns what the store answered
 * @throws StoreError, retriable unless the store said otherwise
 */
export async function readStore<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    // The cause (a database message, perhaps with a file path) goes to the log, not the client.
    const retriable = err instanceof HeatmapError ? err.retriable : true;
    throw new StoreError(`the store failed in ${operation}`, { cause: err, retriable });
  }
}

/**
 * Waits for a health probe, at most `ms` milliseconds, and never throws.
 *
 * @param probe - the health check to run
 * @param ms - how long to wait
 * @returns the probe's answer, or `ok: false` with the reason it failed or timed out
 */
export async function probeHealth(
  probe: () => Promise<DependencyHealth>,
  ms: number,
): Promise<DependencyHealth> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DependencyHealth>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([probe(), timeout]);
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

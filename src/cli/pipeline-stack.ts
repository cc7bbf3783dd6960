/**
 * The whole pipeline in one process: a source appends to a log, the TypeScript engine runs
 * micro-batches from it into the SQLite store, and the API serves the store and the page. The
 * log is the embedded one by default (the demo: log, store and checkpoints share one SQLite
 * file), or Kafka (the stack command: the same parts around a real broker).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineSettings } from '../config.js';
import { buildApiServer } from '../api/server.js';
import type { PageConfig } from '../api/page-config.js';
import { runStream } from '../engine/stream-runner.js';
import { ensurePortFree, listenOrExplain } from './listen.js';
import { EmbeddedLog, openEmbeddedLog } from '../log/embedded-log.js';
import { loggerFor } from '../logger.js';
import type { Source } from '../sources/source.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';
import type { OpenedLog } from './log-options.js';

/** The built page, beside the compiled CLI (dist/web next to dist/src). */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

export interface PipelineStackOptions {
  /** The SQLite file of the store (and of the embedded log). */
  dbFile: string;
  /** Opens the log; the embedded log of `dbFile` when absent. */
  openLog?: () => Promise<OpenedLog>;
  /** Opens the store; the SQLite store of `dbFile` when absent. */
  openStore?: () => Promise<Store>;
  /** Where `openStore` keeps its data, for the log (never a password). */
  storeLabel?: string;
  /** Start from an empty file (the demo's default) rather than resume its checkpoint. */
  fresh: boolean;
  settings: EngineSettings;
  host: string;
  port: number;
  page: PageConfig;
  triggerMs: number;
  /**
   * Runs another engine in place of the TypeScript one (`stack --engine spark`): started once
   * the API listens, stopped by the signal; its promise settles when it has stopped.
   */
  runEngine?: (signal: AbortSignal) => Promise<void>;
  /** Builds the source once the API listens (loading recordings may take seconds). */
  makeSource: (streamClock: { advance(ms: number): void }) => Promise<Source>;
}

export interface RunningStack {
  url: string;
  /** Resolves when everything has stopped. */
  done: Promise<void>;
  stop(): void;
}

/** Removes an SQLite file with its WAL and shared-memory companions. */
export function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

/**
 * Starts the pipeline and serves the map.
 *
 * @param opts - database file, log, engine settings, address, page settings and the source
 * @returns the address and a handle to stop everything
 * @throws StoreError when the database cannot be opened; Fastify's error when the port is taken
 */
export async function startPipelineStack(opts: PipelineStackOptions): Promise<RunningStack> {
  const logger = loggerFor('cli');
  let engineFailed: string | null = null;

  // Stage 1: the file, its log and its store; the file is only removed once the port is known
  // to be free, so a second demo started by mistake cannot delete the first one's database.
  await ensurePortFree(opts.host, opts.port);
  if (opts.fresh) removeDatabase(opts.dbFile);
  mkdirSync(dirname(opts.dbFile), { recursive: true });
  const store =
    opts.openStore === undefined ? openSqliteStore(opts.dbFile) : await opts.openStore();
  let log: OpenedLog;
  try {
    log = opts.openLog === undefined ? openEmbeddedLog(opts.dbFile) : await opts.openLog();
  } catch (err) {
    await store.close();
    throw err;
  }

  // Stage 2: the API and the page, listening before any data arrives.
  const staticDir = existsSync(WEB_DIR) ? WEB_DIR : undefined;
  const api = await buildApiServer({
    store,
    pageConfig: opts.page,
    ...(staticDir === undefined ? {} : { staticDir }),
    logHealth: async () => {
      const health = await log.health();
      return engineFailed === null
        ? health
        : { ok: false, detail: `engine stopped: ${engineFailed}` };
    },
  });
  let url: string;
  try {
    url = await listenOrExplain(api, opts.host, opts.port);
  } catch (err) {
    await api.close();
    await log.close();
    await store.close();
    throw err;
  }
  logger.info({ url, store: opts.storeLabel ?? `sqlite ${opts.dbFile}` }, 'serving the map');

  // Stage 3: the engine judges future timestamps by the later of the wall clock and the stream
  // (the PySpark job, when runEngine starts it instead, judges them by the wall clock alone).
  let streamMs = 0;
  const streamClock = { advance: (ms: number) => void (streamMs = Math.max(streamMs, ms)) };
  const controller = new AbortController();
  const engine = opts.runEngine
    ? opts.runEngine(controller.signal)
    : runStream(
        {
          log,
          store,
          settings: opts.settings,
          triggerMs: opts.triggerMs,
          clock: () => Math.max(Date.now(), streamMs),
          onCommit: ({ batchId, position }) => {
            // Entries the engine has committed are dropped once older than the log's retention
            // (Kafka keeps its own retention).
            if (log instanceof EmbeddedLog && batchId % 60 === 0) {
              log
                .truncateBefore(position)
                .catch((err: unknown) => logger.warn({ err }, 'log truncation failed'));
            }
          },
        },
        controller.signal,
      );

  // Stage 4: the source, appending one snapshot at a time.
  const source = await opts.makeSource(streamClock);
  logger.info({ source: source.name }, 'source started');
  const producing = source.run((entries) => log.append(entries), controller.signal);

  const done = (async () => {
    try {
      await Promise.all([producing, engine]);
    } finally {
      controller.abort();
      await Promise.allSettled([producing, engine]);
      await api.close();
      await log.close();
      await store.close();
      logger.info({}, 'stopped');
    }
  })();
  producing.catch((err: unknown) => {
    logger.error({ err }, 'source failed');
    controller.abort();
  });
  engine.catch((err: unknown) => {
    engineFailed = (err as Error).message ?? String(err);
    logger.error({ err }, 'engine failed');
    controller.abort();
  });
  return { url, done, stop: () => controller.abort() };
}

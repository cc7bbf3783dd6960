/**
 * The streaming loop of the TypeScript engine: plan a micro-batch on the log, write the plan,
 * read it, run it, then commit tiles, positions, dead letters and the checkpoint together. After
 * a crash the planned batch is run again over exactly the same log range, from the state of the
 * last commit, so the store ends as if nothing had happened (SPEC 3, exactly-once effect).
 */
import type { EngineSettings } from '../config.js';
import { retryWhileRetriable as retrying } from '../retry.js';
import type { InputRecord } from '../event/position-event.js';
import { isDeadLetterLog, type EventLog, type LogEntry } from '../log/event-log.js';
import { loggerFor, type Logger } from '../logger.js';
import type { BatchPlan, LogPosition, Store } from '../store/store.js';
import { sleepUnlessAborted } from '../sources/source.js';
import { restoreEngine, snapshotEngine } from './engine-state.js';
import { MicroBatchEngine } from './micro-batch-engine.js';

export interface StreamRunnerOptions {
  log: EventLog;
  store: Store;
  settings: EngineSettings;
  /** Names this engine's checkpoint; several engines may share one store. */
  engineId?: string;
  /** How long to wait when the log has nothing new (default 1000 ms: a live map within seconds). */
  triggerMs?: number;
  /** Cap on records per micro-batch (default 50,000). */
  maxBatchRecords?: number;
  /** Stop when the log has nothing new instead of waiting (for backfills and tests). */
  untilIdle?: boolean;
  /** The engine's clock, for `future_timestamp`. */
  clock?: () => number;
  /** Called after every committed batch. */
  onCommit?: (info: {
    batchId: number;
    records: number;
    tiles: number;
    position: LogPosition;
  }) => void;
  logger?: Logger;
}

/** Turns a log entry back into an engine input record. */
export function logEntryToRecord(entry: LogEntry): InputRecord {
  return entry.reject === undefined
    ? { kind: 'raw', value: entry.value }
    : {
        kind: 'rejected',
        reason: entry.reject.reason,
        detail: entry.reject.detail,
        raw: entry.value,
      };
}

function samePosition(a: LogPosition, b: LogPosition): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}

/**
 * Runs the engine on a log until aborted (or, with `untilIdle`, until the log is drained).
 *
 * @param options - log, store, settings and loop options
 * @param signal - aborts the loop between batches
 * @returns the engine, with its final state
 * @throws CheckpointMismatchError when the store's checkpoint was written with other settings
 * @throws StoreError or LogError when they are not retriable (retriable ones are retried)
 */
export async function runStream(
  options: StreamRunnerOptions,
  signal: AbortSignal,
): Promise<MicroBatchEngine> {
  const { log, store, settings } = options;
  const engineId = options.engineId ?? 'ts-engine';
  const triggerMs = options.triggerMs ?? 1000;
  const maxBatchRecords = options.maxBatchRecords ?? 50_000;
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? loggerFor('engine');

  // Stage 1: resume from the last commit.
  const engine = new MicroBatchEngine(settings);
  const checkpoint = await retrying(
    'load checkpoint',
    () => store.loadCheckpoint(engineId),
    signal,
    logger,
  );
  let position: LogPosition = checkpoint?.position ?? log.start();
  let batchId = checkpoint?.batchId ?? 0;
  if (checkpoint !== null) restoreEngine(engine, checkpoint.state);
  const pending = await retrying('load plan', () => store.loadPlan(engineId), signal, logger);
  let replan: BatchPlan | null =
    pending !== null && pending.batchId === batchId + 1 ? pending : null;
  logger.info({ engineId, batchId, position, redo: replan !== null }, 'engine started');
  if (engine.stats.newestEventMs !== null) {
    await retrying('sweep', () => sweep(store, engine, logger), signal, logger);
  }

  try {
    while (!signal.aborted) {
      // Stage 2: plan, and write the plan before running it. A batch run again after a crash
      // keeps its range and its clock, so `future_timestamp` decides as it did the first time.
      let plan: BatchPlan;
      if (replan !== null) {
        plan = replan;
        replan = null;
      } else {
        const from = position;
        const to = await retrying('plan', () => log.plan(from, maxBatchRecords), signal, logger);
        if (samePosition(position, to)) {
          if (options.untilIdle) break;
          await sleepUnlessAborted(triggerMs, signal);
          continue;
        }
        plan = { batchId: batchId + 1, from: position, to, nowMs: clock() };
        await retrying('save plan', () => store.savePlan(engineId, plan), signal, logger);
      }
      const to = plan.to;

      // Stage 3: read and run.
      const started = Date.now();
      const entries = await retrying('read', () => log.read(plan.from, to), signal, logger);
      const out = engine.processBatch(entries.map(logEntryToRecord), plan.nowMs ?? clock());

      // Stage 4: dead letters to the log's own place (Kafka's `<topic>.dlq`) first, so a crash
      // may publish them twice but never lose them; then commit everything with the checkpoint,
      // and expire old tiles.
      if (isDeadLetterLog(log) && out.deadLetters.length > 0) {
        const letters = out.deadLetters;
        await retrying('dead letters', () => log.publishDeadLetters(letters), signal, logger);
      }
      const commit = {
        tiles: out.tiles,
        positions: out.positions,
        deadLetters: out.deadLetters,
        checkpoint: {
          engineId,
          batchId: plan.batchId,
          position: to,
          state: snapshotEngine(engine),
        },
        stats: engine.stats,
      };
      await retrying('commit', () => store.commitBatch(commit), signal, logger);
      batchId = plan.batchId;
      position = to;
      await retrying('sweep', () => sweep(store, engine, logger), signal, logger);
      logger.debug(
        { batchId, records: entries.length, tiles: out.tiles.length, ms: Date.now() - started },
        'batch committed',
      );
      options.onCommit?.({ batchId, records: entries.length, tiles: out.tiles.length, position });
    }
  } catch (err) {
    // Stopped while a call was being retried (a broker down at Ctrl-C): a stop, not a failure;
    // every commit is whole, so the checkpoint is where the next start resumes.
    if (!signal.aborted) throw err;
  }
  logger.info({ engineId, batchId, stats: engine.stats }, 'engine stopped');
  return engine;
}

/** Tiles expire on the stream's clock, so a replay of an old recording keeps its own tiles. */
async function sweep(store: Store, engine: MicroBatchEngine, logger: Logger): Promise<void> {
  const clockMs = engine.stats.newestEventMs;
  if (clockMs === null) return;
  const removed = await store.sweepExpired(clockMs);
  if (removed > 0) logger.debug({ removed }, 'expired tiles removed');
}

/**
 * The engine's state as a checkpoint holds it: watermark, counters, open windows with their
 * distinct vehicles, and the dedupe keys above the watermark. It is serialized with every
 * micro-batch commit, so a restart resumes exactly where the last commit left off (SPEC 3,
 * exactly-once effect).
 */
import type { EngineSettings } from '../config.js';
import { CheckpointMismatchError } from '../errors.js';
import type { EngineStats } from '../store/store.js';
import type { MicroBatchEngine } from './micro-batch-engine.js';

/** An open window's running totals. */
export interface OpenTile {
  provider: string;
  cellId: string;
  windowStartMs: number;
  count: number;
  vehicles: Set<string>;
  speedSumKmh: number;
  speedSamples: number;
}

interface SerializedState {
  version: 1;
  settings: { res: number; tileMinutes: number; watermarkSeconds: number };
  stats: EngineStats;
  seen: [string, number][];
  open: [string, string, string, number, number, string[], number, number][];
}

/** Counters before the first batch. */
export function emptyStats(): EngineStats {
  return {
    accepted: 0,
    duplicates: 0,
    late: 0,
    rejected: {},
    cleaned: {},
    watermarkMs: null,
    newestEventMs: null,
    batches: 0,
    lastBatchAtMs: null,
  };
}

/**
 * Serializes an engine's state for a checkpoint.
 *
 * @param engine - the engine after a batch
 * @returns a JSON string
 */
export function snapshotEngine(engine: MicroBatchEngine): string {
  const { res, tileMinutes, watermarkSeconds } = engine.settings;
  const state: SerializedState = {
    version: 1,
    settings: { res, tileMinutes, watermarkSeconds },
    stats: engine.stats,
    seen: [...engine.seen],
    open: [...engine.open].map(([key, t]) => [
      key,
      t.provider,
      t.cellId,
      t.windowStartMs,
      t.count,
      [...t.vehicles],
      t.speedSumKmh,
      t.speedSamples,
    ]),
  };
  return JSON.stringify(state);
}

/**
 * Restores a checkpointed state into a new engine.
 *
 * @param engine - a fresh engine with the running settings
 * @param text - what snapshotEngine wrote
 * @throws CheckpointMismatchError when the checkpoint was written with other settings
 */
export function restoreEngine(engine: MicroBatchEngine, text: string): void {
  const state = JSON.parse(text) as SerializedState;
  const running: EngineSettings = engine.settings;
  const saved = state.settings;
  if (
    state.version !== 1 ||
    saved.res !== running.res ||
    saved.tileMinutes !== running.tileMinutes ||
    saved.watermarkSeconds !== running.watermarkSeconds
  ) {
    throw new CheckpointMismatchError(
      `checkpoint was written with res ${saved.res}, ${saved.tileMinutes}-minute windows and a ` +
        `${saved.watermarkSeconds} s watermark; the engine runs with res ${running.res}, ` +
        `${running.tileMinutes} and ${running.watermarkSeconds}: use another database file or the same settings`,
    );
  }
  engine.stats = state.stats;
  engine.seen.clear();
  for (const [key, ts] of state.seen) engine.seen.set(key, ts);
  engine.open.clear();
  for (const [
    key,
    provider,
    cellId,
    windowStartMs,
    count,
    vehicles,
    speedSumKmh,
    speedSamples,
  ] of state.open) {
    engine.open.set(key, {
      provider,
      cellId,
      windowStartMs,
      count,
      vehicles: new Set(vehicles),
      speedSumKmh,
      speedSamples,
    });
  }
}

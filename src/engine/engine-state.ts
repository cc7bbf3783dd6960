/**
 * The engine's state as a checkpoint holds it: watermark, counters, open windows with their
 * distinct vehicles, and the dedupe keys above the watermark. It is serialized with every
 * micro-batch commit, so a restart resumes exactly where the last commit left off (SPEC 3,
 * exactly-once effect).
 */
import type { EngineSettings } from '../config.js';
import { CheckpointMismatchError } from '../errors.js';
import type { PositionEvent } from '../event/position-event.js';
import type { EngineStats } from '../store/store.js';
import { vehicleKey, type MicroBatchEngine } from './micro-batch-engine.js';

/** A vehicle's dedupe set: its report times above the watermark, sorted; and its newest report in the running batch. */
export interface VehicleState {
  provider: string;
  vehicleId: string;
  seen: number[];
  newest: PositionEvent | null;
  /** The tile its last accepted report went to; a cache, not part of the checkpoint. */
  lastTile: OpenTile | null;
}

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

/**
 * The checkpoint's JSON: `seen` lists per vehicle its provider, its id and its report times
 * as offsets in ms from the watermark (shorter numbers than epoch times); `open` lists per open
 * tile its provider, cell, window start, count, distinct vehicles, speed sum and samples.
 */
interface SerializedState {
  version: 2;
  settings: { res: number; tileMinutes: number; watermarkSeconds: number };
  stats: EngineStats;
  seenBase: number;
  seen: [string, string, number[]][];
  open: [string, string, number, number, string[], number, number][];
}

/**
 * Serializes an engine's state for a checkpoint.
 *
 * @param engine - the engine after a batch
 * @returns a JSON string
 */
export function snapshotEngine(engine: MicroBatchEngine): string {
  const { res, tileMinutes, watermarkSeconds } = engine.settings;
  const base = engine.stats.watermarkMs ?? 0;
  const seen: SerializedState['seen'] = [];
  for (const v of engine.vehicles.values()) {
    if (v.seen.length > 0) seen.push([v.provider, v.vehicleId, v.seen.map((ts) => ts - base)]);
  }
  const open: SerializedState['open'] = [];
  for (const windows of engine.open.values()) {
    for (const cells of windows.values()) {
      for (const t of cells.values()) {
        open.push([
          t.provider,
          t.cellId,
          t.windowStartMs,
          t.count,
          [...t.vehicles],
          t.speedSumKmh,
          t.speedSamples,
        ]);
      }
    }
  }
  const state: SerializedState = {
    version: 2,
    settings: { res, tileMinutes, watermarkSeconds },
    stats: engine.stats,
    seenBase: base,
    seen,
    open,
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
    state.version !== 2 ||
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
  engine.vehicles.clear();
  for (const [provider, vehicleId, offsets] of state.seen) {
    const seen = offsets.map((offset) => offset + state.seenBase);
    engine.vehicles.set(vehicleKey(provider, vehicleId), {
      provider,
      vehicleId,
      seen,
      newest: null,
      lastTile: null,
    });
  }
  engine.open.clear();
  for (const [
    provider,
    cellId,
    windowStartMs,
    count,
    vehicles,
    speedSumKmh,
    speedSamples,
  ] of state.open) {
    const tile = engine.openTile(provider, windowStartMs, cellId);
    tile.count = count;
    tile.vehicles = new Set(vehicles);
    tile.speedSumKmh = speedSumKmh;
    tile.speedSamples = speedSamples;
  }
}

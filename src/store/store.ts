/**
 * The store interface: tiles, latest positions, checkpoints and dead letters behind one contract,
 * implemented by the SQLite store (embedded profile) and, later, MongoDB (distributed profile).
 * Writes carry totals keyed by identity, never increments, so a replayed batch changes nothing.
 */
import { averageSpeed } from '../engine/window.js';
import type { DeadLetter, PositionEvent } from '../event/position-event.js';

export type { LngLat } from '../event/lng-lat.js';
import type { LngLat } from '../event/lng-lat.js';

/** One tile: the aggregate of one (provider, grid, cell, window), as totals (SPEC 3). */
export interface TileRecord {
  provider: string;
  /** `h3r<res>`, e.g. `h3r8`. */
  grid: string;
  cellId: string;
  windowStartMs: number;
  windowEndMs: number;
  /** Unique reports in the cell and window. */
  count: number;
  /** Distinct vehicleIds. */
  vehicles: number;
  /** Sum of the non-null speeds, so that merges over windows average over all samples. */
  speedSumKmh: number;
  speedSamples: number;
  /** speedSumKmh / speedSamples rounded to 0.001 km/h, null when there is no sample. */
  avgSpeedKmh: number | null;
  /** Centre of the cell. */
  centroid: LngLat;
  staleAtMs: number;
}

/** Counters of an engine: every input record lands in exactly one of accepted, duplicates, late, rejected. */
export interface EngineStats {
  accepted: number;
  duplicates: number;
  late: number;
  rejected: Record<string, number>;
  cleaned: Record<string, number>;
  /** Watermark in epoch ms, null before the first event. */
  watermarkMs: number | null;
  /** Largest ts that passed validation, the stream's clock. */
  newestEventMs: number | null;
  batches: number;
  /** Wall-clock time of the last committed batch. */
  lastBatchAtMs: number | null;
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

/** Opaque log position: partition (or `0` for the embedded log) to the next offset to read. */
export type LogPosition = Record<string, number>;

/** A planned micro-batch: the log range it covers, written before it runs (as Spark's offset log). */
export interface BatchPlan {
  batchId: number;
  from: LogPosition;
  to: LogPosition;
  /** The engine's clock when the batch was planned, for `future_timestamp` on a re-run. */
  nowMs?: number;
}

/** What an engine has durably done: the last committed batch, where to read next, its state. */
export interface Checkpoint {
  engineId: string;
  batchId: number;
  position: LogPosition;
  /** Serialized engine state (open windows, dedupe keys, watermark, counters). */
  state: string;
}

/** Everything one micro-batch writes, committed atomically where the store can. */
export interface BatchCommit {
  tiles: TileRecord[];
  /** Candidate latest positions; the store keeps, per vehicle, the one with the greatest ts. */
  positions: PositionEvent[];
  deadLetters: DeadLetter[];
  checkpoint: Checkpoint;
  stats: EngineStats;
}

/** Filters shared by the map routes (SPEC 5). */
export interface MapQuery {
  providers?: string[];
  /** [minLon, minLat, maxLon, maxLat]. */
  bbox?: [number, number, number, number];
  limit: number;
}

/** Tiles of one read, with the window span they cover and whether `limit` cut them. */
export interface TilePage {
  windowStartMs: number | null;
  windowEndMs: number | null;
  tiles: TileRecord[];
  truncated: boolean;
}

/** Latest positions of one read, and whether `limit` cut them. */
export interface PositionPage {
  positions: PositionEvent[];
  truncated: boolean;
  /** The clock the ages were measured from: the newest position under the provider filter. */
  clockMs?: number | null;
}

/** Whether the store answers, what kind it is, and what it says when it does not. */
export interface StoreHealth {
  ok: boolean;
  kind: string;
  detail?: string;
}

/** The store contract; every implementation runs the same contract suite (test/store). */
export interface Store {
  /** `sqlite`, `mongodb`, ... */
  readonly kind: string;
  /**
   * Writes one micro-batch: tiles as totals, positions only when newer, dead letters, counters
   * and the checkpoint, all or nothing where the store can.
   *
   * @throws StoreError, retriable when the failure may pass
   */
  commitBatch(commit: BatchCommit): Promise<void>;
  /**
   * Records the batch an engine is about to run, so a restart runs the same range again.
   *
   * @throws StoreError, retriable when the failure may pass
   */
  savePlan(engineId: string, plan: BatchPlan): Promise<void>;
  /** The last plan an engine saved, or null. @throws StoreError */
  loadPlan(engineId: string): Promise<BatchPlan | null>;
  /** The last checkpoint an engine committed, or null. @throws StoreError */
  loadCheckpoint(engineId: string): Promise<Checkpoint | null>;
  /** Tiles of the newest window that has data under the query's provider filter. */
  readLatestTiles(query: MapQuery): Promise<TilePage>;
  /** Tiles of windows whose end lies within `minutes` of the newest windowEnd, merged per cell. */
  readTileRange(query: MapQuery & { minutes: number }): Promise<TilePage>;
  /** Latest positions with ts within maxAgeSec of the stream's clock (the newest position ts). */
  readPositions(query: MapQuery & { maxAgeSec: number }): Promise<PositionPage>;
  /** The counters of an engine (or of the engine that committed last), or null before any. */
  readStats(engineId?: string): Promise<EngineStats | null>;
  /** The newest dead letters, newest first. */
  readDeadLetters(limit: number): Promise<DeadLetter[]>;
  /** Deletes tiles whose staleAt is at or before `clockMs`; returns how many. */
  sweepExpired(clockMs: number): Promise<number>;
  /** Whether the store answers; never throws. */
  health(): Promise<StoreHealth>;
  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** Dead letters a store keeps (the newest), so that a feed of bad messages cannot fill the disk. */
export const DEFAULT_DEAD_LETTER_LIMIT = 100_000;

/**
 * Merges tiles of several windows per (provider, grid, cell), as `/api/tiles/range` shows them:
 * counts and speed sums added, the average taken over all samples, the span of the windows kept.
 * Limitation: merged `vehicles` is the largest per-window count, not the distinct vehicles of all
 * windows: tiles keep totals, not vehicle ids, so the union cannot be known.
 *
 * @param tiles - tiles of the windows to merge, in any order
 * @returns one tile per cell, in no particular order
 */
export function mergeTilesOverWindows(tiles: Iterable<TileRecord>): TileRecord[] {
  const merged = new Map<string, TileRecord>();
  for (const t of tiles) {
    const key = `${t.provider}\u0000${t.grid}\u0000${t.cellId}`;
    const m = merged.get(key);
    if (m === undefined) {
      merged.set(key, { ...t });
      continue;
    }
    m.windowStartMs = Math.min(m.windowStartMs, t.windowStartMs);
    m.windowEndMs = Math.max(m.windowEndMs, t.windowEndMs);
    m.count += t.count;
    m.vehicles = Math.max(m.vehicles, t.vehicles);
    m.speedSumKmh += t.speedSumKmh;
    m.speedSamples += t.speedSamples;
    m.staleAtMs = Math.max(m.staleAtMs, t.staleAtMs);
  }
  const all = [...merged.values()];
  for (const t of all) t.avgSpeedKmh = averageSpeed(t.speedSumKmh, t.speedSamples);
  return all;
}

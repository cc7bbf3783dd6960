/**
 * The TypeScript engine of SPEC 3, one micro-batch at a time: validate, drop late reports, drop
 * re-sent reports, snap to a cell, bucket into a window, aggregate, then advance the watermark.
 * It keeps only what a later batch can still change (open windows, dedupe keys above the
 * watermark); everything it returns is a total, never an increment.
 */
import type { EngineSettings } from '../config.js';
import type { DeadLetter, InputRecord, PositionEvent } from '../event/position-event.js';
import { MAX_MESSAGE_BYTES, validateEvent, validateMessage } from '../event/validate-event.js';
import type { ValidationResult } from '../event/validate-event.js';
import type { EngineStats, LngLat, TileRecord } from '../store/store.js';
import { emptyStats } from '../store/store.js';
import type { OpenTile, VehicleState } from './engine-state.js';
import { averageSpeed, cellToCentroid, gridName, latLngToCellId, windowStartOf } from './window.js';

/** What one micro-batch produced: tiles it changed (totals), newest positions, dead letters. */
export interface BatchOutput {
  tiles: TileRecord[];
  /** Per vehicle, the newest report of the batch (accepted or late); the store keeps the newest of all. */
  positions: PositionEvent[];
  deadLetters: DeadLetter[];
}

const SEP = '\u0001';

/** Open tiles of one provider: window start, then cell. */
export type ProviderWindows = Map<number, Map<string, OpenTile>>;

/** The message as a dead letter keeps it: at most 64 KiB of UTF-8, cut on a character boundary. */
function cutRaw(text: string): string {
  if (text.length * 3 <= MAX_MESSAGE_BYTES) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_MESSAGE_BYTES) return text;
  // A decoder drops a sequence cut in half as U+FFFD; trim that replacement character.
  return bytes
    .subarray(0, MAX_MESSAGE_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

/** The key of a vehicle in engine state: provider and vehicleId, which neither may contain. */
export function vehicleKey(provider: string, vehicleId: string): string {
  return provider + SEP + vehicleId;
}

/** The engine: feed it micro-batches in log order; snapshot it with the checkpoint. */
export class MicroBatchEngine {
  readonly settings: EngineSettings;
  readonly grid: string;
  private readonly windowMs: number;
  private readonly ttlMs: number;
  private readonly watermarkDelayMs: number;

  /**
   * Per vehicle, the times of its reports still above the watermark (the dedupe set, kept
   * sorted). Keyed by provider and vehicleId, so a report's identity needs no string of its own.
   */
  readonly vehicles = new Map<string, VehicleState>();
  /** Windows that are not complete yet: provider, window start, cell. */
  readonly open = new Map<string, ProviderWindows>();
  stats: EngineStats = emptyStats();
  private centroids = new Map<string, LngLat>();

  constructor(settings: EngineSettings) {
    this.settings = settings;
    this.grid = gridName(settings.res);
    this.windowMs = settings.tileMinutes * 60_000;
    this.ttlMs = settings.ttlMinutes * 60_000;
    this.watermarkDelayMs = settings.watermarkSeconds * 1000;
  }

  /**
   * Runs one micro-batch.
   *
   * @param records - the batch's input records, in log order
   * @param nowMs - the engine's clock, for `future_timestamp`
   * @returns the tiles the batch changed, the newest positions and the dead letters
   */
  processBatch(records: readonly InputRecord[], nowMs: number): BatchOutput {
    const stats = this.stats;
    const watermark = this.stats.watermarkMs; // fixed for the whole batch, as in Spark
    const changed = new Set<OpenTile>();
    const touched: VehicleState[] = [];
    const deadLetters: DeadLetter[] = [];
    let batchMaxTs = -Infinity;

    for (const record of records) {
      // Stage 1: validate.
      let result: ValidationResult;
      if (record.kind === 'raw') result = validateMessage(record.value, nowMs);
      else if (record.kind === 'event') result = validateEvent(record.event, nowMs);
      else result = { ok: false, reason: record.reason, detail: record.detail };

      if (!result.ok) {
        stats.rejected[result.reason] = (stats.rejected[result.reason] ?? 0) + 1;
        deadLetters.push(this.deadLetterOf(record, result));
        continue;
      }
      if (result.cleaned !== null) {
        for (const field of result.cleaned) stats.cleaned[field] = (stats.cleaned[field] ?? 0) + 1;
      }
      const event = result.event;
      if (event.tsMs > batchMaxTs) batchMaxTs = event.tsMs;

      // Stage 2: late reports still move a latest position, but join no dedupe set and no tile.
      const vehicle = this.vehicleOf(event);
      if (vehicle.newest === null) touched.push(vehicle);
      if (vehicle.newest === null || event.tsMs > vehicle.newest.tsMs) vehicle.newest = event;
      if (watermark !== null && event.tsMs <= watermark) {
        stats.late++;
        continue;
      }

      // Stage 3: dedupe on the report's identity (provider, vehicleId, ts).
      if (!insertSorted(vehicle.seen, event.tsMs)) {
        stats.duplicates++;
        continue;
      }
      stats.accepted++;

      // Stage 4: snap, bucket, aggregate.
      changed.add(this.addToTile(event, vehicle));
    }

    // Stage 5: advance the watermark for the next batch; it never moves back.
    if (batchMaxTs !== -Infinity) {
      if (stats.newestEventMs === null || batchMaxTs > stats.newestEventMs)
        stats.newestEventMs = batchMaxTs;
      const candidate = batchMaxTs - this.watermarkDelayMs;
      if (stats.watermarkMs === null || candidate > stats.watermarkMs)
        stats.watermarkMs = candidate;
    }
    stats.batches++;
    stats.lastBatchAtMs = nowMs;

    // Stage 6: flush totals and positions, then drop what no later batch can change.
    const tiles: TileRecord[] = [];
    for (const tile of changed) tiles.push(this.toTileRecord(tile));
    const positions: PositionEvent[] = [];
    for (const vehicle of touched) {
      positions.push(vehicle.newest!);
      vehicle.newest = null;
    }
    this.evictBelowWatermark();
    return { tiles, positions, deadLetters };
  }

  /** Tile records of every window still open, e.g. for a final flush. */
  openTiles(): TileRecord[] {
    const out: TileRecord[] = [];
    for (const windows of this.open.values()) {
      for (const cells of windows.values())
        for (const tile of cells.values()) out.push(this.toTileRecord(tile));
    }
    return out;
  }

  /** Window starts still open, ascending (for tests and logs). */
  openWindowStarts(): number[] {
    const starts = new Set<number>();
    for (const windows of this.open.values()) for (const start of windows.keys()) starts.add(start);
    return [...starts].sort((a, b) => a - b);
  }

  /** Whether a report's identity is in the dedupe set. */
  isRemembered(provider: string, vehicleId: string, tsMs: number): boolean {
    return this.vehicles.get(vehicleKey(provider, vehicleId))?.seen.includes(tsMs) ?? false;
  }

  private vehicleOf(event: PositionEvent): VehicleState {
    const key = vehicleKey(event.provider, event.vehicleId);
    let vehicle = this.vehicles.get(key);
    if (vehicle === undefined) {
      vehicle = {
        provider: event.provider,
        vehicleId: event.vehicleId,
        seen: [],
        newest: null,
        lastTile: null,
      };
      this.vehicles.set(key, vehicle);
    }
    return vehicle;
  }

  private addToTile(event: PositionEvent, vehicle: VehicleState): OpenTile {
    const cellId = latLngToCellId(event.lat, event.lon, this.settings.res);
    const windowStartMs = windowStartOf(event.tsMs, this.windowMs);

    // A vehicle mostly reports again from the tile of its last report: reuse it, skipping the
    // lookups and the distinct-vehicle set, which already holds this vehicle. A tile evicted
    // since is never reused: its window ended at or before the watermark, so no accepted
    // report can fall in it again.
    let tile = vehicle.lastTile;
    if (tile === null || tile.windowStartMs !== windowStartMs || tile.cellId !== cellId) {
      tile = this.openTile(event.provider, windowStartMs, cellId);
      tile.vehicles.add(event.vehicleId);
      vehicle.lastTile = tile;
    }
    tile.count++;
    if (event.speedKmh !== null) {
      tile.speedSumKmh += event.speedKmh;
      tile.speedSamples++;
    }
    return tile;
  }

  /**
   * The open tile of a provider, window and cell, created empty when missing.
   *
   * @returns the tile, owned by the engine
   */
  openTile(provider: string, windowStartMs: number, cellId: string): OpenTile {
    let windows = this.open.get(provider);
    if (windows === undefined) this.open.set(provider, (windows = new Map()));
    let cells = windows.get(windowStartMs);
    if (cells === undefined) windows.set(windowStartMs, (cells = new Map()));
    let tile = cells.get(cellId);
    if (tile === undefined) {
      tile = {
        provider,
        cellId,
        windowStartMs,
        count: 0,
        vehicles: new Set(),
        speedSumKmh: 0,
        speedSamples: 0,
      };
      cells.set(cellId, tile);
    }
    return tile;
  }

  /** Drops state no later batch can change: complete windows and dedupe times at or below the watermark. */
  private evictBelowWatermark(): void {
    const watermark = this.stats.watermarkMs;
    if (watermark === null) return;
    for (const [key, vehicle] of this.vehicles) {
      const seen = vehicle.seen;
      let drop = 0;
      while (drop < seen.length && seen[drop]! <= watermark) drop++;
      if (drop === seen.length) this.vehicles.delete(key);
      else if (drop > 0) seen.splice(0, drop);
    }
    for (const windows of this.open.values()) {
      for (const start of windows.keys())
        if (start + this.windowMs <= watermark) windows.delete(start);
    }
    if (this.centroids.size > 100_000) this.centroids.clear();
  }

  private toTileRecord(tile: OpenTile): TileRecord {
    let centroid = this.centroids.get(tile.cellId);
    if (centroid === undefined) {
      centroid = cellToCentroid(tile.cellId);
      this.centroids.set(tile.cellId, centroid);
    }
    const windowEndMs = tile.windowStartMs + this.windowMs;
    return {
      provider: tile.provider,
      grid: this.grid,
      cellId: tile.cellId,
      windowStartMs: tile.windowStartMs,
      windowEndMs,
      count: tile.count,
      vehicles: tile.vehicles.size,
      speedSumKmh: tile.speedSumKmh,
      speedSamples: tile.speedSamples,
      avgSpeedKmh: averageSpeed(tile.speedSumKmh, tile.speedSamples),
      centroid,
      staleAtMs: windowEndMs + this.ttlMs,
    };
  }

  private deadLetterOf(record: InputRecord, result: ValidationResult & { ok: false }): DeadLetter {
    let raw: string;
    if (record.kind === 'raw') {
      raw =
        typeof record.value === 'string'
          ? record.value
          : Buffer.from(record.value).toString('utf8');
    } else if (record.kind === 'event') {
      raw = JSON.stringify(record.event);
    } else {
      raw = record.raw ?? '';
    }
    const letter: DeadLetter = { reason: result.reason, detail: result.detail, raw: cutRaw(raw) };
    if (result.provider !== undefined) letter.provider = result.provider;
    return letter;
  }
}

/**
 * Inserts a time into a sorted list unless it is there already.
 *
 * @returns false when the time was already in the list (a duplicate report)
 */
function insertSorted(list: number[], tsMs: number): boolean {
  // Reports mostly arrive in time order, so the search starts from the end.
  let i = list.length;
  while (i > 0 && list[i - 1]! > tsMs) i--;
  if (i > 0 && list[i - 1] === tsMs) return false;
  if (i === list.length) list.push(tsMs);
  else list.splice(i, 0, tsMs);
  return true;
}

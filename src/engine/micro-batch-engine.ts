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
import { emptyStats, type OpenTile } from './engine-state.js';
import { averageSpeed, cellToCentroid, gridName, latLngToCellId, windowStartOf } from './window.js';

/** What one micro-batch produced: tiles it changed (totals), newest positions, dead letters. */
export interface BatchOutput {
  tiles: TileRecord[];
  /** Per vehicle, the newest report of the batch (accepted or late); the store keeps the newest of all. */
  positions: PositionEvent[];
  deadLetters: DeadLetter[];
}

const SEP = '\u0001';

function cutRaw(text: string): string {
  return text.length > MAX_MESSAGE_BYTES ? text.slice(0, MAX_MESSAGE_BYTES) : text;
}

/** The engine: feed it micro-batches in log order; snapshot it with the checkpoint. */
export class MicroBatchEngine {
  readonly settings: EngineSettings;
  readonly grid: string;
  private readonly windowMs: number;
  private readonly ttlMs: number;
  private readonly watermarkDelayMs: number;

  /** Dedupe keys (provider, vehicleId, ts) still above the watermark, with their ts. */
  readonly seen = new Map<string, number>();
  /** Windows that are not complete yet, by tile key. */
  readonly open = new Map<string, OpenTile>();
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
    const newest = new Map<string, PositionEvent>();
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
      const vehicleKey = event.provider + SEP + event.vehicleId;
      const previous = newest.get(vehicleKey);
      if (previous === undefined || event.tsMs > previous.tsMs) newest.set(vehicleKey, event);
      if (watermark !== null && event.tsMs <= watermark) {
        stats.late++;
        continue;
      }

      // Stage 3: dedupe on the report's identity.
      const reportKey = vehicleKey + SEP + event.tsMs;
      if (this.seen.has(reportKey)) {
        stats.duplicates++;
        continue;
      }
      this.seen.set(reportKey, event.tsMs);
      stats.accepted++;

      // Stage 4: snap, bucket, aggregate.
      changed.add(this.addToTile(event));
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

    const tiles = [...changed].map((tile) => this.toTileRecord(tile));
    this.evictBelowWatermark();
    return { tiles, positions: [...newest.values()], deadLetters };
  }

  /** Tile records of every window still open, e.g. for a final flush. */
  openTiles(): TileRecord[] {
    return [...this.open.values()].map((tile) => this.toTileRecord(tile));
  }

  private addToTile(event: PositionEvent): OpenTile {
    const cellId = latLngToCellId(event.lat, event.lon, this.settings.res);
    const windowStartMs = windowStartOf(event.tsMs, this.windowMs);
    const tileKey = event.provider + SEP + cellId + SEP + windowStartMs;
    let tile = this.open.get(tileKey);
    if (tile === undefined) {
      tile = {
        provider: event.provider,
        cellId,
        windowStartMs,
        count: 0,
        vehicles: new Set(),
        speedSumKmh: 0,
        speedSamples: 0,
      };
      this.open.set(tileKey, tile);
    }
    tile.count++;
    tile.vehicles.add(event.vehicleId);
    if (event.speedKmh !== null) {
      tile.speedSumKmh += event.speedKmh;
      tile.speedSamples++;
    }
    return tile;
  }

  /** Drops state no later batch can change: complete windows and dedupe keys at or below the watermark. */
  private evictBelowWatermark(): void {
    const watermark = this.stats.watermarkMs;
    if (watermark === null) return;
    for (const [key, tsMs] of this.seen) if (tsMs <= watermark) this.seen.delete(key);
    for (const [key, tile] of this.open) {
      if (tile.windowStartMs + this.windowMs <= watermark) this.open.delete(key);
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

/**
 * Batch mode (SPEC 4): files in, one result object out. Each file is one micro-batch, in the
 * order given; a LAMP archive is one micro-batch per feed timestamp. The same engine as the
 * streaming profile runs underneath, so this is what the conformance folder checks.
 */
import type { EngineSettings } from '../config.js';
import type { PositionEvent } from '../event/position-event.js';
import { msToIso } from '../event/time-format.js';
import { readRecordingFile } from '../sources/read-recording.js';
import type { TileRecord } from '../store/store.js';
import { MicroBatchEngine, vehicleKey } from './micro-batch-engine.js';

export interface AggregateOptions extends EngineSettings {
  /** The engine's clock for `future_timestamp`, epoch ms. */
  nowMs: number;
  /** Names every GTFS-RT input `gtfsrt.<feed>`. */
  feed?: string;
  /** Called after each micro-batch, for progress on long inputs. */
  onBatch?: (done: { file: string; batches: number; records: number }) => void;
}

/** A tile as SPEC 4 prints it. */
export interface TileOutput {
  provider: string;
  grid: string;
  cellId: string;
  windowStart: string;
  windowEnd: string;
  count: number;
  vehicles: number;
  avgSpeedKmh: number | null;
  speedSamples: number;
  centroid: { type: 'Point'; coordinates: [number, number] };
  staleAt: string;
}

/** The object `aggregate` prints. */
export interface AggregateResult {
  tiles: TileOutput[];
  positions: Record<string, unknown>[];
  stats: {
    accepted: number;
    duplicates: number;
    late: number;
    rejected: Record<string, number>;
    cleaned: Record<string, number>;
  };
}

/** Compares strings by Unicode code point (JS `<` compares UTF-16 units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** A tile in the printed shape. */
export function tileToOutput(tile: TileRecord): TileOutput {
  return {
    provider: tile.provider,
    grid: tile.grid,
    cellId: tile.cellId,
    windowStart: msToIso(tile.windowStartMs),
    windowEnd: msToIso(tile.windowEndMs),
    count: tile.count,
    vehicles: tile.vehicles,
    avgSpeedKmh: tile.avgSpeedKmh,
    speedSamples: tile.speedSamples,
    centroid: { type: 'Point', coordinates: tile.centroid },
    staleAt: msToIso(tile.staleAtMs),
  };
}

/** A latest position in the printed shape: core fields, then the extensions it has. */
export function positionToOutput(p: PositionEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    provider: p.provider,
    vehicleId: p.vehicleId,
    ts: msToIso(p.tsMs),
    lat: p.lat,
    lon: p.lon,
    speedKmh: p.speedKmh,
    bearing: p.bearing,
    accuracyM: p.accuracyM,
  };
  if (p.altitudeM !== undefined) out.altitudeM = p.altitudeM;
  if (p.onGround !== undefined) out.onGround = p.onGround;
  if (p.label !== undefined) out.label = p.label;
  if (p.routeId !== undefined) out.routeId = p.routeId;
  if (p.mode !== undefined) out.mode = p.mode;
  return out;
}

/**
 * Aggregates files as SPEC 4 describes.
 *
 * @param files - NDJSON or provider recordings, recognised by content
 * @param options - engine settings, clock and feed name
 * @returns tiles, positions and counters
 * @throws InputFileError when a file cannot be read
 */
export async function aggregateFiles(
  files: string[],
  options: AggregateOptions,
): Promise<AggregateResult> {
  const engine = new MicroBatchEngine(options);
  const tiles = new Map<string, TileRecord>();
  const positions = new Map<string, PositionEvent>();

  let batches = 0;
  for (const file of files) {
    const snapshots = await readRecordingFile(
      file,
      options.feed === undefined ? {} : { feed: options.feed },
    );
    let records = 0;
    for (const snapshot of snapshots) {
      const out = engine.processBatch(snapshot.records, options.nowMs);
      for (const tile of out.tiles) {
        tiles.set(`${tile.provider}\u0001${tile.cellId}\u0001${tile.windowStartMs}`, tile);
      }
      for (const p of out.positions) {
        const key = vehicleKey(p.provider, p.vehicleId);
        const stored = positions.get(key);
        if (stored === undefined || p.tsMs > stored.tsMs) positions.set(key, p);
      }
      batches++;
      records += snapshot.records.length;
      options.onBatch?.({ file, batches, records });
    }
  }

  const sortedTiles = [...tiles.values()].sort(
    (a, b) =>
      a.windowStartMs - b.windowStartMs ||
      compareCodePoints(a.provider, b.provider) ||
      compareCodePoints(a.cellId, b.cellId),
  );
  const sortedPositions = [...positions.values()].sort(
    (a, b) =>
      compareCodePoints(a.provider, b.provider) || compareCodePoints(a.vehicleId, b.vehicleId),
  );
  const { accepted, duplicates, late, rejected, cleaned } = engine.stats;
  return {
    tiles: sortedTiles.map(tileToOutput),
    positions: sortedPositions.map(positionToOutput),
    stats: { accepted, duplicates, late, rejected, cleaned },
  };
}

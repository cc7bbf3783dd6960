/**
 * The engine benchmark: events per second on one core through parse, validate, cell, window and
 * store, beside the ceiling measured in the same run on the same input (JSON parsing plus
 * `latLngToCell` alone, the two costs no engine can avoid). Figures are ratios to that ceiling,
 * so they mean something on any machine; they are a measurement, not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latLngToCell } from 'h3-js';
import type { EngineSettings } from '../config.js';
import type { InputRecord } from '../event/position-event.js';
import { validateMessage } from '../event/validate-event.js';
import { snapshotEngine } from '../engine/engine-state.js';
import { MicroBatchEngine } from '../engine/micro-batch-engine.js';
import { mulberry32 } from '../sources/simulator.js';
import { openSqliteStore } from '../store/sqlite-store.js';

export interface BenchmarkOptions {
  events: number;
  vehicles: number;
  batchSize: number;
  settings: EngineSettings;
  seed: number;
  /** Measured rounds after one warm-up round; figures are medians. */
  rounds: number;
}

export interface StageFigure {
  stage: string;
  eventsPerSec: number;
  ratioToCeiling: number;
}

export interface BenchmarkReport {
  events: number;
  batchSize: number;
  rounds: number;
  ceilingEventsPerSec: number;
  stages: StageFigure[];
  /** The whole engine with the SQLite store, the target figure. */
  engineEventsPerSec: number;
  engineRatioToCeiling: number;
  tilesWritten: number;
  node: string;
}

/**
 * Builds the benchmark input: a fleet moving around Boston for as long as the event count needs,
 * each vehicle reporting every ~10 s, with one report in ten re-sent as polling does.
 *
 * @returns JSON messages as they would be read from the log
 */
export function makeBenchmarkInput(events: number, vehicles: number, seed: number): string[] {
  const random = mulberry32(seed);
  const fleet = Array.from({ length: vehicles }, (_, i) => ({
    id: `y${1000 + i}`,
    lat: 42.25 + random() * 0.2,
    lon: -71.2 + random() * 0.3,
    dLat: (random() - 0.5) * 0.0004,
    dLon: (random() - 0.5) * 0.0004,
    speed: random() < 0.3 ? null : Math.round(random() * 600) / 10,
  }));
  const start = Date.parse('2025-10-04T10:00:00Z');
  const out: string[] = [];
  let tick = 0;
  while (out.length < events) {
    for (const v of fleet) {
      if (out.length >= events) break;
      v.lat += v.dLat;
      v.lon += v.dLon;
      const ts = new Date(start + tick * 10_000 + Math.floor(random() * 9000)).toISOString();
      const message = JSON.stringify({
        provider: 'mbta',
        vehicleId: v.id,
        lat: v.lat,
        lon: v.lon,
        ts,
        speedKmh: v.speed,
        bearing: 90,
      });
      out.push(message);
      if (random() < 0.1 && out.length < events) out.push(message);
    }
    tick++;
  }
  return out;
}

function rate(events: number, ms: number): number {
  return Math.round(events / (ms / 1000));
}

function timeIt(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Milliseconds for the whole engine with the SQLite store and a checkpoint per batch. */
async function timeEngineWithStore(
  records: InputRecord[],
  options: BenchmarkOptions,
  now: number,
): Promise<{ ms: number; tiles: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mh-bench-'));
  const store = openSqliteStore(join(dir, 'bench.sqlite'));
  const engine = new MicroBatchEngine(options.settings);
  let tiles = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0, batchId = 1; i < records.length; i += options.batchSize, batchId++) {
    const out = engine.processBatch(records.slice(i, i + options.batchSize), now);
    await store.commitBatch({
      tiles: out.tiles,
      positions: out.positions,
      deadLetters: out.deadLetters,
      checkpoint: {
        engineId: 'bench',
        batchId,
        position: { '0': i + options.batchSize },
        state: snapshotEngine(engine),
      },
      stats: engine.stats,
    });
    tiles += out.tiles.length;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { ms, tiles };
}

/**
 * Runs the benchmark: every stage once per round, rounds interleaved so that a slow moment of a
 * shared machine falls on all stages alike; each figure is the median over the rounds.
 *
 * @param options - input size, batch size, engine settings, rounds
 * @returns the figures, each also as a ratio to the ceiling
 */
export async function runEngineBenchmark(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const input = makeBenchmarkInput(options.events, options.vehicles, options.seed);
  const records: InputRecord[] = input.map((value) => ({ kind: 'raw', value }));
  const res = options.settings.res;
  const now = Date.parse('2025-10-05T00:00:00Z');
  const times = {
    ceiling: [] as number[],
    validate: [] as number[],
    memory: [] as number[],
    store: [] as number[],
  };
  let tilesWritten = 0;
  let sink = 0;

  for (let round = 0; round <= options.rounds; round++) {
    // Stage: the ceiling, JSON parsing plus latLngToCell alone.
    const ceilingMs = timeIt(() => {
      for (const m of input) {
        const e = JSON.parse(m) as { lat: number; lon: number };
        sink += latLngToCell(e.lat, e.lon, res).length;
      }
    });

    // Stage: parse and validate.
    const validateMs = timeIt(() => {
      for (const m of input) if (validateMessage(m, now).ok) sink++;
    });

    // Stage: the engine in memory (validate, dedupe, cell, window, aggregate, watermark).
    const memoryEngine = new MicroBatchEngine(options.settings);
    const memoryMs = timeIt(() => {
      for (let i = 0; i < records.length; i += options.batchSize) {
        memoryEngine.processBatch(records.slice(i, i + options.batchSize), now);
      }
    });

    // Stage: the whole engine with the SQLite store.
    const stored = await timeEngineWithStore(records, options, now);
    tilesWritten = stored.tiles;

    // Round 0 only warms the JIT and the file system; it is not counted.
    if (round === 0) continue;
    times.ceiling.push(ceilingMs);
    times.validate.push(validateMs);
    times.memory.push(memoryMs);
    times.store.push(stored.ms);
  }
  if (sink === -1) process.stdout.write('');

  const ceiling = rate(input.length, median(times.ceiling));
  const figure = (stage: string, ms: number[]): StageFigure => {
    const eventsPerSec = rate(input.length, median(ms));
    return {
      stage,
      eventsPerSec,
      ratioToCeiling: Math.round((eventsPerSec / ceiling) * 100) / 100,
    };
  };
  const whole = figure('parse+validate+cell+window+store (SQLite)', times.store);
  return {
    events: input.length,
    batchSize: options.batchSize,
    rounds: options.rounds,
    ceilingEventsPerSec: ceiling,
    stages: [
      figure('parse+validate', times.validate),
      figure('parse+validate+cell+window (memory)', times.memory),
      whole,
    ],
    engineEventsPerSec: whole.eventsPerSec,
    engineRatioToCeiling: whole.ratioToCeiling,
    tilesWritten,
    node: process.version,
  };
}

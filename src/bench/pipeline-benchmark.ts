/**
 * The transport benchmark: events per second from a producer's first append to the last stored
 * tile, through the embedded log and through a real Kafka broker, on the same input in the same
 * run. The producer and the engine run together in one process, as in `demo` and `stack`, so the
 * figure is the pipeline's and not any one part's; the embedded figure is the baseline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineSettings } from '../config.js';
import { runStream } from '../engine/stream-runner.js';
import { openEmbeddedLog } from '../log/embedded-log.js';
import type { EventLog, LogEntry } from '../log/event-log.js';
import { openKafkaLog } from '../log/kafka-log.js';
import { loggerFor } from '../logger.js';
import { parseEventObject, eventKeyOf } from '../sources/source.js';
import type { LogPosition } from '../store/store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { makeBenchmarkInput } from './engine-benchmark.js';

export interface PipelineBenchmarkOptions {
  events: number;
  vehicles: number;
  seed: number;
  /** Messages per append, as one poll of a large feed would send. */
  appendSize: number;
  maxBatchRecords: number;
  settings: EngineSettings;
  /** The broker; the Kafka figure is left out when undefined. */
  kafkaBootstrap: string | undefined;
}

export interface TransportFigure {
  transport: 'embedded' | 'kafka';
  eventsPerSec: number;
  /** Producer alone: first append to last acknowledged append. */
  produceEventsPerSec: number;
  ratioToEmbedded: number;
  batches: number;
  tiles: number;
}

export interface PipelineBenchmarkReport {
  events: number;
  appendSize: number;
  figures: TransportFigure[];
  node: string;
}

function total(position: LogPosition): number {
  return Object.values(position).reduce((a, b) => a + b, 0);
}

/** Times one transport: the engine runs while the producer appends everything. */
async function timeTransport(
  log: EventLog,
  entries: LogEntry[],
  options: PipelineBenchmarkOptions,
  dir: string,
): Promise<{ ms: number; produceMs: number; batches: number; tiles: number }> {
  const store = openSqliteStore(join(dir, `store-${Date.now()}.sqlite`));
  const controller = new AbortController();
  const start = total(log.start());
  let consumed = 0;
  let batches = 0;
  let tiles = 0;
  let doneAt = 0n;
  let produced = false;
  const t0 = process.hrtime.bigint();

  // Stage 1: the engine, stopping itself once it has committed every message.
  const engine = runStream(
    {
      log,
      store,
      settings: options.settings,
      triggerMs: 5,
      maxBatchRecords: options.maxBatchRecords,
      clock: () => Date.parse('2025-10-05T00:00:00Z'),
      logger: loggerFor('engine'),
      onCommit: ({ position, tiles: written }) => {
        batches += 1;
        tiles += written;
        consumed = total(position) - start;
        if (produced && consumed >= entries.length) {
          doneAt = process.hrtime.bigint();
          controller.abort();
        }
      },
    },
    controller.signal,
  );

  // Stage 2: the producer, one append at a time, each awaited as sources do.
  for (let i = 0; i < entries.length; i += options.appendSize) {
    await log.append(entries.slice(i, i + options.appendSize));
  }
  const produceMs = Number(process.hrtime.bigint() - t0) / 1e6;
  produced = true;
  if (consumed >= entries.length && doneAt === 0n) {
    doneAt = process.hrtime.bigint();
    controller.abort();
  }
  await engine;
  await store.close();
  return { ms: Number(doneAt - t0) / 1e6, produceMs, batches, tiles };
}

/**
 * Runs the transport benchmark: the embedded log first (the baseline), then Kafka on a topic of
 * its own.
 *
 * @param options - input, append and batch sizes, engine settings, the broker
 * @returns one figure per transport
 * @throws LogError when the broker cannot be reached
 */
export async function runPipelineBenchmark(
  options: PipelineBenchmarkOptions,
): Promise<PipelineBenchmarkReport> {
  const input = makeBenchmarkInput(options.events, options.vehicles, options.seed);
  const entries: LogEntry[] = input.map((value) => ({
    key: eventKeyOf(parseEventObject(value) ?? {}),
    value,
  }));
  const dir = mkdtempSync(join(tmpdir(), 'mh-pipeline-bench-'));
  const figures: TransportFigure[] = [];
  try {
    const embedded = openEmbeddedLog(join(dir, 'log.sqlite'));
    const base = await timeTransport(embedded, entries, options, dir).finally(() =>
      embedded.close(),
    );
    const baseline = Math.round(entries.length / (base.ms / 1000));
    figures.push({
      transport: 'embedded',
      eventsPerSec: baseline,
      produceEventsPerSec: Math.round(entries.length / (base.produceMs / 1000)),
      ratioToEmbedded: 1,
      batches: base.batches,
      tiles: base.tiles,
    });

    if (options.kafkaBootstrap !== undefined) {
      const kafka = await openKafkaLog({
        bootstrap: options.kafkaBootstrap,
        topic: `bench.pipeline.${Date.now().toString(36)}`,
        clientId: 'bench',
      });
      const run = await timeTransport(kafka, entries, options, dir).finally(() => kafka.close());
      const eventsPerSec = Math.round(entries.length / (run.ms / 1000));
      figures.push({
        transport: 'kafka',
        eventsPerSec,
        produceEventsPerSec: Math.round(entries.length / (run.produceMs / 1000)),
        ratioToEmbedded: Math.round((eventsPerSec / baseline) * 100) / 100,
        batches: run.batches,
        tiles: run.tiles,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { events: entries.length, appendSize: options.appendSize, figures, node: process.version };
}

/**
 * `mobility-heatmap bench`: the engine benchmark (see src/bench/engine-benchmark.ts), or with
 * `--pipeline` the transport benchmark (src/bench/pipeline-benchmark.ts), printed as a table or
 * as JSON. Run the engine benchmark on one core with `taskset -c 0` for figures comparable to
 * the docs.
 */
import { Command } from 'commander';
import { runEngineBenchmark } from '../bench/engine-benchmark.js';
import { runPipelineBenchmark, type PipelineBenchmarkReport } from '../bench/pipeline-benchmark.js';
import { DEFAULTS } from '../config.js';
import { addEngineSettingOptions, engineSettingsOf } from './engine-settings-options.js';
import { intInRange } from './options.js';

/** Builds the `bench` command. */
export function benchCommand(): Command {
  const command = new Command('bench')
    .summary('measure engine throughput against the parse+cell ceiling')
    .description(
      'Generates a deterministic Boston fleet and measures, in interleaved rounds, events per second of: JSON parsing plus latLngToCell alone (the ceiling), parse+validate, the engine in memory, and the engine with the SQLite store and a checkpoint per batch. Run it on one core: taskset -c 0.',
    )
    .option('--events <n>', 'events in the input', intInRange(1000, 50_000_000), 1_000_000)
    .option('--vehicles <n>', 'vehicles in the simulated fleet', intInRange(1, 1_000_000), 2000)
    .option('--batch-size <n>', 'records per micro-batch', intInRange(1, 10_000_000), 50_000)
    .option('--seed <n>', 'input seed', intInRange(0, 2 ** 31), 7)
    .option('--rounds <n>', 'measured rounds after a warm-up round (medians)', intInRange(1, 50), 3)
    .option('--json', 'print the report as JSON')
    .option(
      '--pipeline',
      'instead: events/s from producer to stored tiles, embedded log and Kafka, in one run',
    )
    .option(
      '--kafka-bootstrap <hosts>',
      'with --pipeline: the broker (env KAFKA_BOOTSTRAP); "none" measures the embedded log only',
      process.env.KAFKA_BOOTSTRAP || DEFAULTS.kafkaBootstrap,
    )
    .option(
      '--append-size <n>',
      'with --pipeline: messages per append',
      intInRange(1, 100_000),
      500,
    );
  return addEngineSettingOptions(command).action(async (opts) => {
    if (opts.pipeline) {
      const pipeline = await runPipelineBenchmark({
        events: opts.events,
        vehicles: opts.vehicles,
        seed: opts.seed,
        appendSize: opts.appendSize,
        maxBatchRecords: opts.batchSize,
        settings: engineSettingsOf(opts),
        kafkaBootstrap: opts.kafkaBootstrap === 'none' ? undefined : opts.kafkaBootstrap,
      });
      process.stdout.write(
        opts.json ? JSON.stringify(pipeline, null, 2) + '\n' : pipelineTable(pipeline),
      );
      return;
    }
    const report = await runEngineBenchmark({
      events: opts.events,
      vehicles: opts.vehicles,
      batchSize: opts.batchSize,
      seed: opts.seed,
      rounds: opts.rounds,
      settings: engineSettingsOf(opts),
    });
    if (opts.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    const lines = [
      `events: ${report.events.toLocaleString('en-US')}, batch size ${report.batchSize.toLocaleString('en-US')}, median of ${report.rounds} rounds, Node ${report.node}`,
      `ceiling (JSON.parse + latLngToCell): ${report.ceilingEventsPerSec.toLocaleString('en-US')} events/s`,
      ...report.stages.map(
        (s) =>
          `${s.stage.padEnd(44)} ${s.eventsPerSec.toLocaleString('en-US').padStart(10)} events/s  ${s.ratioToCeiling.toFixed(2)} x ceiling`,
      ),
      `tile rows written: ${report.tilesWritten.toLocaleString('en-US')}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  });
}

function pipelineTable(report: PipelineBenchmarkReport): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const lines = [
    `events: ${n(report.events)}, appends of ${n(report.appendSize)}, producer and engine in one process, Node ${report.node}`,
    ...report.figures.map(
      (f) =>
        `${f.transport.padEnd(9)} producer to stored tiles ${n(f.eventsPerSec).padStart(9)} events/s  ${f.ratioToEmbedded.toFixed(2)} x embedded  (producer alone ${n(f.produceEventsPerSec)} events/s, ${f.batches} batches, ${n(f.tiles)} tile writes)`,
    ),
  ];
  return lines.join('\n') + '\n';
}

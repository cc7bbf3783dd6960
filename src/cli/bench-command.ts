/**
 * `mobility-heatmap bench`: the engine benchmark (see src/bench/engine-benchmark.ts), printed as
 * a table or as JSON. Run it on one core with `taskset -c 0` for figures comparable to the docs.
 */
import { Command } from 'commander';
import { runEngineBenchmark } from '../bench/engine-benchmark.js';
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
    .option('--json', 'print the report as JSON');
  return addEngineSettingOptions(command).action(async (opts) => {
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

/**
 * `mobility-heatmap aggregate`: batch mode of SPEC 4, printing one JSON object on standard output.
 */
import { Command } from 'commander';
import { aggregateFiles } from '../engine/aggregate-files.js';
import { loggerFor } from '../logger.js';
import { addEngineSettingOptions, engineSettingsOf } from './engine-settings-options.js';
import { feedName, isoTime } from './options.js';

/** Builds the `aggregate` command. */
export function aggregateCommand(): Command {
  const command = new Command('aggregate')
    .summary('aggregate files into tiles and latest positions, printed as JSON')
    .description(
      'Reads NDJSON events or provider recordings (MBTA V3 JSON, OpenSky JSON, GTFS-RT protobuf or JSON, MBTA LAMP Parquet; recognised by content). Each file is one micro-batch, in the order given (a LAMP file: one per feed timestamp). Prints {"tiles", "positions", "stats"} (SPEC 4).',
    )
    .argument('<file...>', 'input files')
    .option('--now <iso>', "the engine's clock for future timestamps (default: now)", isoTime)
    .option('--feed <name>', 'name GTFS-RT inputs gtfsrt.<name>', feedName)
    .option('--pretty', 'indent the JSON output');
  return addEngineSettingOptions(command).action(async (files: string[], opts) => {
    const logger = loggerFor('cli');
    const started = Date.now();
    let lastLog = started;
    const result = await aggregateFiles(files, {
      ...engineSettingsOf(opts),
      nowMs: opts.now ?? Date.now(),
      ...(opts.feed === undefined ? {} : { feed: opts.feed }),
      onBatch: (done) => {
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          logger.info(done, 'aggregate progress');
        }
      },
    });
    logger.info(
      { files: files.length, ms: Date.now() - started, stats: result.stats },
      'aggregate done',
    );
    process.stdout.write(JSON.stringify(result, null, opts.pretty ? 2 : undefined) + '\n');
  });
}

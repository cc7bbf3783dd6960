/**
 * `mobility-heatmap produce <source>`: publishes position events to the embedded log, one append
 * per snapshot: a replay of recordings, or the simulator. The engine (`mobility-heatmap engine`)
 * consumes them from the same file.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Argument, Command } from 'commander';
import { DEFAULTS } from '../config.js';
import { UsageError } from '../errors.js';
import { openEmbeddedLog } from '../log/embedded-log.js';
import { loggerFor } from '../logger.js';
import { createReplaySource, loadReplayBatches } from '../sources/replay-source.js';
import { createSimulatorSource } from '../sources/simulator.js';
import type { Source } from '../sources/source.js';
import { warnIfRecordingsSpread } from './replay-span.js';
import { feedName, intInRange, positiveNumber } from './options.js';

/** Builds the `produce` command. */
export function produceCommand(): Command {
  return new Command('produce')
    .summary('publish position events from a replay or the simulator to the embedded log')
    .description(
      'replay: plays recordings (any format `aggregate` reads) in capture order, one append per snapshot. sim: a simulated fleet around Boston. Events go to the log table of --db.',
    )
    .addArgument(new Argument('<source>', 'what to publish').choices(['replay', 'sim']))
    .argument('[file...]', 'recordings to replay')
    .option('--db <file>', 'SQLite file holding the embedded log', DEFAULTS.dbFile)
    .option('--speed <factor>', 'replay speed factor', positiveNumber, 1)
    .option('--as-fast-as-possible', 'replay without waiting between snapshots (a backfill)')
    .option('--original-times', 'keep the recorded times instead of rebasing them to now')
    .option('--no-loop', 'stop at the end of the recordings')
    .option('--feed <name>', 'name GTFS-RT inputs gtfsrt.<name>', feedName)
    .option('--vehicles <n>', 'simulated vehicles', intInRange(1, 100_000), 300)
    .option('--seed <n>', 'simulator seed', intInRange(0, 2 ** 31), 1)
    .option('--ticks <n>', 'stop the simulator after this many ticks', intInRange(1, 1e9))
    .action(async (kind: string, files: string[], opts) => {
      const logger = loggerFor('cli');
      let source: Source;
      if (kind === 'replay') {
        if (files.length === 0)
          throw new UsageError('produce replay needs at least one recording file');
        const batches = await loadReplayBatches(
          files,
          opts.feed === undefined ? {} : { feed: opts.feed },
        );
        if (!opts.originalTimes) warnIfRecordingsSpread(batches, logger);
        source = createReplaySource(batches, {
          speed: opts.asFastAsPossible ? Number.MAX_VALUE : opts.speed,
          ...(opts.asFastAsPossible ? { maxGapMs: 0 } : {}),
          rebase: !opts.originalTimes,
          loop: opts.loop,
        });
      } else {
        source = createSimulatorSource({
          vehicles: opts.vehicles,
          seed: opts.seed,
          ...(opts.ticks === undefined ? {} : { maxTicks: opts.ticks }),
        });
      }

      mkdirSync(dirname(opts.db), { recursive: true });
      const log = openEmbeddedLog(opts.db);
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let appended = 0;
      try {
        await source.run(async (entries) => {
          await log.append(entries);
          appended += entries.length;
        }, controller.signal);
      } finally {
        await log.close();
      }
      logger.info({ source: source.name, appended, db: opts.db }, 'produce finished');
    });
}

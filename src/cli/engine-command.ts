/**
 * `mobility-heatmap engine`: the TypeScript engine on the embedded log, writing tiles, positions,
 * dead letters and checkpoints to the SQLite store. Killed at any moment and restarted, it ends
 * with the same stored result as a run that was never interrupted.
 */
import { DEFAULTS } from '../config.js';
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { runStream } from '../engine/stream-runner.js';
import { openEmbeddedLog } from '../log/embedded-log.js';
import { loggerFor } from '../logger.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { addEngineSettingOptions, engineSettingsOf } from './engine-settings-options.js';
import { intInRange } from './options.js';

/** Builds the `engine` command. */
export function engineCommand(): Command {
  const command = new Command('engine')
    .summary('run the TypeScript engine on the embedded log')
    .description(
      'Consumes the log table of --db in micro-batches (dedupe, windows, watermark, tiles, latest positions) and commits each with its checkpoint; resumes from the checkpoint on restart.',
    )
    .option('--db <file>', 'SQLite file holding the log and the store', DEFAULTS.dbFile)
    .option('--engine-id <id>', 'names the checkpoint', 'ts-engine')
    .option('--trigger-ms <n>', 'wait when the log has nothing new', intInRange(10, 60_000), 1000)
    .option(
      '--max-batch-records <n>',
      'records per micro-batch at most',
      intInRange(1, 10_000_000),
      50_000,
    )
    .option('--until-idle', 'stop once the log is drained (a backfill) instead of waiting');
  return addEngineSettingOptions(command).action(async (opts) => {
    const logger = loggerFor('cli');
    if (!existsSync(opts.db)) {
      throw new UsageError(
        `--db ${opts.db} does not exist: publish events first ("mobility-heatmap produce replay|sim --db ${opts.db}")`,
      );
    }
    const store = openSqliteStore(opts.db);
    const log = openEmbeddedLog(opts.db);
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const engine = await runStream(
        {
          log,
          store,
          settings: engineSettingsOf(opts),
          engineId: opts.engineId,
          triggerMs: opts.triggerMs,
          maxBatchRecords: opts.maxBatchRecords,
          untilIdle: Boolean(opts.untilIdle),
        },
        controller.signal,
      );
      const { accepted, duplicates, late, rejected } = engine.stats;
      logger.info({ accepted, duplicates, late, rejected }, 'engine finished');
    } finally {
      await log.close();
      await store.close();
    }
  });
}

/**
 * `mobility-heatmap engine`: the TypeScript engine on the embedded log or on Kafka (`--log kafka`),
 * writing tiles, positions, dead letters and checkpoints to the SQLite store or to MongoDB
 * (`--store mongo`) (on Kafka, dead
 * letters also go to `<topic>.dlq`). Killed at any moment and restarted, it ends with the same
 * stored result as a run that was never interrupted.
 */
import { DEFAULTS } from '../config.js';
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { runStream } from '../engine/stream-runner.js';
import { loggerFor } from '../logger.js';
import { addEngineSettingOptions, engineSettingsOf } from './engine-settings-options.js';
import { addLogOptions, describeLog, logChoiceOf, openChosenLog } from './log-options.js';
import { intInRange } from './options.js';
import { addStoreOptions, describeStore, openChosenStore, storeChoiceOf } from './store-options.js';

/** Builds the `engine` command. */
export function engineCommand(): Command {
  const command = new Command('engine')
    .summary('run the TypeScript engine on the embedded log or on Kafka')
    .description(
      'Consumes the log (the log table of --db, or every partition of the Kafka topic with --log kafka) in micro-batches (dedupe, windows, watermark, tiles, latest positions) and commits each with its checkpoint, log offsets included, to the store of --db; resumes from the checkpoint on restart.',
    )
    .option('--db <file>', 'SQLite file holding the store (and the embedded log)', DEFAULTS.dbFile)
    .option('--engine-id <id>', 'names the checkpoint', 'ts-engine')
    .option('--trigger-ms <n>', 'wait when the log has nothing new', intInRange(10, 60_000), 1000)
    .option(
      '--max-batch-records <n>',
      'records per micro-batch at most',
      intInRange(1, 10_000_000),
      50_000,
    )
    .option('--until-idle', 'stop once the log is drained (a backfill) instead of waiting');
  return addEngineSettingOptions(addStoreOptions(addLogOptions(command))).action(async (opts) => {
    const logger = loggerFor('cli');
    const choice = logChoiceOf(opts);
    if (choice.kind === 'embedded' && !existsSync(opts.db)) {
      throw new UsageError(
        `--db ${opts.db} does not exist: publish events first ("mobility-heatmap produce replay|sim --db ${opts.db}")`,
      );
    }
    const storeChoice = storeChoiceOf(opts);
    const store = await openChosenStore(storeChoice);
    let log;
    try {
      log = await openChosenLog(choice, `${opts.engineId}-engine`);
    } catch (err) {
      await store.close();
      throw err;
    }
    logger.info({ log: describeLog(choice), store: describeStore(storeChoice) }, 'engine opened');
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

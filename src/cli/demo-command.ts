/**
 * `mobility-heatmap demo`: the embedded profile in one command. It replays the shared
 * recordings (by default an hour of the whole MBTA fleet from MBTA's LAMP archive), rebased to
 * the present and looping, or runs the simulator when there are no recordings, and serves the
 * live map.
 */
import { Command } from 'commander';
import { loggerFor } from '../logger.js';
import { addEngineSettingOptions } from './engine-settings-options.js';
import { startPipelineStack } from './pipeline-stack.js';
import {
  addFeedOptions,
  addServeOptions,
  recordedSourceOf,
  serveUntilStopped,
  sharedStackOptionsOf,
} from './stack-options.js';

/** Builds the `demo` command. */
export function demoCommand(): Command {
  const command = new Command('demo')
    .summary('run the embedded profile and serve the live map (one command, no services)')
    .description(
      'Replays recordings (default: an hour of the whole MBTA fleet from the LAMP archive in <recordings>/mbta-lamp) rebased to the present and looping, or simulates a fleet around Boston when there are none; aggregates them into H3 tiles and serves the map.',
    );
  addFeedOptions(command, ['auto', 'replay', 'sim'])
    .option('--db <file>', 'SQLite file for log, tiles and positions', '.data/demo.sqlite')
    .option(
      '--resume',
      'keep the database and resume from its checkpoint instead of starting fresh',
    );
  return addEngineSettingOptions(addServeOptions(command)).action(async (opts) => {
    const logger = loggerFor('cli');
    const makeSource = recordedSourceOf(opts, logger)!;
    const stack = await startPipelineStack({
      dbFile: opts.db,
      fresh: !opts.resume,
      ...sharedStackOptionsOf(opts, makeSource),
    });
    await serveUntilStopped(stack, 'Mobility Heatmap');
  });
}

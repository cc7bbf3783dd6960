/**
 * `mobility-heatmap demo`: the embedded profile in one command. It replays the shared
 * recordings (by default an hour of the whole MBTA fleet from MBTA's LAMP archive), rebased to
 * the present and looping, or runs the simulator when there are no recordings, and serves the
 * live map.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { DEFAULTS, recordingsDirFromEnv, refreshMsFromEnv, SETTING_RANGES } from '../config.js';
import { UsageError } from '../errors.js';
import { loggerFor } from '../logger.js';
import { createReplaySource, loadReplayBatches } from '../sources/replay-source.js';
import { createSimulatorSource } from '../sources/simulator.js';
import type { Source } from '../sources/source.js';
import { startEmbeddedStack } from './embedded-stack.js';
import { addEngineSettingOptions, engineSettingsOf } from './engine-settings-options.js';
import { warnIfRecordingsSpread } from './replay-span.js';
import { feedName, intInRange, positiveNumber } from './options.js';

/** The demo's default recording: the two parts of hour 01 UTC of 2022-11-22 in MBTA's LAMP archive. */
export const DEFAULT_REPLAY = /^2022-11-22T01.*\.parquet$/;

/** The OpenStreetMap standard tiles: used when the machine has internet; the page copes without. */
const OSM_TILES = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
const OSM_ATTRIBUTION = '© OpenStreetMap contributors';

/**
 * The files the demo replays: those named, resolved against the recordings folder, or the default
 * LAMP hour found in it.
 *
 * @returns absolute paths; empty when there is nothing to replay
 * @throws UsageError when a named file does not exist
 */
export function resolveReplayFiles(recordingsDir: string | undefined, named: string[]): string[] {
  if (named.length > 0) {
    return named.map((name) => {
      const candidates = [
        resolve(name),
        ...(recordingsDir && !isAbsolute(name) ? [join(recordingsDir, name)] : []),
      ];
      const found = candidates.find((c) => existsSync(c));
      if (found === undefined)
        throw new UsageError(`--replay: no file "${name}" (looked in ${candidates.join(', ')})`);
      return found;
    });
  }
  const lampDir = recordingsDir === undefined ? undefined : join(recordingsDir, 'mbta-lamp');
  if (lampDir === undefined || !existsSync(lampDir)) return [];
  return readdirSync(lampDir)
    .filter((f) => DEFAULT_REPLAY.test(f))
    .sort()
    .map((f) => join(lampDir, f));
}

/** Builds the `demo` command. */
export function demoCommand(): Command {
  const command = new Command('demo')
    .summary('run the embedded profile and serve the live map (one command, no services)')
    .description(
      'Replays recordings (default: an hour of the whole MBTA fleet from the LAMP archive in <recordings>/mbta-lamp) rebased to the present and looping, or simulates a fleet around Boston when there are none; aggregates them into H3 tiles and serves the map.',
    )
    .option(
      '--recordings <dir>',
      'folder of recordings (env RECORDINGS_DIR)',
      recordingsDirFromEnv(),
    )
    .option('--replay <file...>', 'recordings to replay instead of the default LAMP hour')
    .addOption(
      new Option('--source <kind>', 'what feeds the map')
        .choices(['auto', 'replay', 'sim'])
        .default('auto'),
    )
    .option('--speed <factor>', 'replay speed factor', positiveNumber, 1)
    .option('--original-times', 'keep the recorded times instead of rebasing them to now')
    .option('--no-loop', 'stop the replay at the end of the recordings')
    .option('--vehicles <n>', 'simulated vehicles', intInRange(1, 100_000), 300)
    .option('--seed <n>', 'simulator seed', intInRange(0, 2 ** 31), 1)
    .option('--feed <name>', 'name GTFS-RT inputs gtfsrt.<name>', feedName)
    .option('--db <file>', 'SQLite file for log, tiles and positions', '.data/demo.sqlite')
    .option(
      '--resume',
      'keep the database and resume from its checkpoint instead of starting fresh',
    )
    .option('--host <host>', 'address to listen on', DEFAULTS.host)
    .option('--port <n>', 'port to listen on', intInRange(...SETTING_RANGES.port), DEFAULTS.port)
    .option('--trigger-ms <n>', 'engine micro-batch trigger', intInRange(50, 60_000), 1000)
    .option(
      '--refresh-ms <n>',
      'page refresh period (env REFRESH_MS)',
      intInRange(...SETTING_RANGES.refreshMs),
      refreshMsFromEnv(),
    )
    .option(
      '--tile-url <url>',
      'base-map tile URL template, or "none" (env TILE_URL)',
      process.env.TILE_URL ?? OSM_TILES,
    );
  return addEngineSettingOptions(command).action(async (opts) => {
    const logger = loggerFor('cli');
    const files =
      opts.source === 'sim' ? [] : resolveReplayFiles(opts.recordings, opts.replay ?? []);
    if (opts.source === 'replay' && files.length === 0) {
      throw new UsageError(
        'no recordings to replay: give --recordings <dir> (or RECORDINGS_DIR) holding mbta-lamp/, or --replay <file...>',
      );
    }
    if (files.length === 0 && opts.source === 'auto') {
      logger.info(
        { recordings: opts.recordings ?? null },
        'no recordings found: simulating a fleet around Boston',
      );
    }
    const tileUrl = opts.tileUrl === 'none' || opts.tileUrl === '' ? null : opts.tileUrl;

    const makeSource = async (clock: { advance(ms: number): void }): Promise<Source> => {
      if (files.length === 0)
        return createSimulatorSource({ vehicles: opts.vehicles, seed: opts.seed });
      logger.info({ files }, 'loading recordings');
      const batches = await loadReplayBatches(
        files,
        opts.feed === undefined ? {} : { feed: opts.feed },
      );
      if (!opts.originalTimes) warnIfRecordingsSpread(batches, logger);
      return createReplaySource(batches, {
        speed: opts.speed,
        rebase: !opts.originalTimes,
        loop: opts.loop,
        onStreamTime: (ms) => clock.advance(ms),
      });
    };

    const stack = await startEmbeddedStack({
      dbFile: opts.db,
      fresh: !opts.resume,
      settings: engineSettingsOf(opts),
      host: opts.host,
      port: opts.port,
      triggerMs: opts.triggerMs,
      page: {
        refreshMs: opts.refreshMs,
        tileUrl,
        ...(tileUrl === OSM_TILES ? { attribution: OSM_ATTRIBUTION } : {}),
      },
      makeSource,
    });
    process.stderr.write(`\nMobility Heatmap is running: open ${stack.url}  (Ctrl-C stops it)\n\n`);
    const stop = (): void => stack.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await stack.done;
  });
}

/**
 * The flags and the source choice shared by `demo` (the embedded profile) and `stack` (the same
 * parts around Kafka): what feeds the map (recordings, simulator, live APIs), where the map is
 * served, and how the page looks.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { PageConfig } from '../api/page-config.js';
import { DEFAULTS, recordingsDirFromEnv, refreshMsFromEnv, SETTING_RANGES } from '../config.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createReplaySource, loadReplayBatches } from '../sources/replay-source.js';
import { createSimulatorSource } from '../sources/simulator.js';
import type { Source } from '../sources/source.js';
import { warnIfRecordingsSpread } from './replay-span.js';
import { engineSettingsOf } from './engine-settings-options.js';
import { feedName, intInRange, positiveNumber } from './options.js';
import type { PipelineStackOptions, RunningStack } from './pipeline-stack.js';

/** The demo's default recording: the two parts of hour 01 UTC of 2022-11-22 in MBTA's LAMP archive. */
export const DEFAULT_REPLAY = /^2022-11-22T01.*\.parquet$/;

/** The OpenStreetMap standard tiles: used when the machine has internet; the page copes without. */
const OSM_TILES = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
const OSM_ATTRIBUTION = '© OpenStreetMap contributors';

/**
 * The files to replay: those named, resolved against the recordings folder, or the default
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

/**
 * Adds the flags of what feeds the map: recordings to replay or the simulator.
 *
 * @param command - the command
 * @param sources - the choices of --source (`auto` first: replay when there are recordings,
 *   else the simulator)
 * @returns the command
 */
export function addFeedOptions(command: Command, sources: readonly string[]): Command {
  return command
    .option(
      '--recordings <dir>',
      'folder of recordings (env RECORDINGS_DIR)',
      recordingsDirFromEnv(),
    )
    .option('--replay <file...>', 'recordings to replay instead of the default LAMP hour')
    .addOption(new Option('--source <kind>', 'what feeds the map').choices(sources).default('auto'))
    .option('--speed <factor>', 'replay speed factor', positiveNumber, 1)
    .option('--original-times', 'keep the recorded times instead of rebasing them to now')
    .option('--no-loop', 'stop the replay at the end of the recordings')
    .option('--vehicles <n>', 'simulated vehicles', intInRange(1, 100_000), 300)
    .option('--seed <n>', 'simulator seed', intInRange(0, 2 ** 31), 1)
    .option('--feed <name>', 'name GTFS-RT inputs gtfsrt.<name>', feedName);
}

/** Adds the flags of where and how the map is served. */
export function addServeOptions(command: Command): Command {
  return command
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
}

/** The page settings of parsed options of addServeOptions. */
export function pageConfigOf(opts: Record<string, unknown>): PageConfig {
  const raw = opts.tileUrl as string;
  const tileUrl = raw === 'none' || raw === '' ? null : raw;
  return {
    refreshMs: opts.refreshMs as number,
    tileUrl,
    ...(tileUrl === OSM_TILES ? { attribution: OSM_ATTRIBUTION } : {}),
  };
}

/**
 * Chooses the replay or the simulator from parsed options of addFeedOptions.
 *
 * @param opts - the options
 * @param logger - where the choice is said
 * @returns a function that builds the source, given the stream clock of the engine; null when
 *   --source names a source this function does not build (a live API)
 * @throws UsageError when --source replay finds nothing to replay
 */
export function recordedSourceOf(
  opts: Record<string, unknown>,
  logger: Logger,
): ((clock: { advance(ms: number): void }) => Promise<Source>) | null {
  const kind = opts.source as string;
  if (!['auto', 'replay', 'sim'].includes(kind)) return null;
  const recordings = opts.recordings as string | undefined;
  const files =
    kind === 'sim' ? [] : resolveReplayFiles(recordings, (opts.replay as string[]) ?? []);
  if (kind === 'replay' && files.length === 0) {
    throw new UsageError(
      'no recordings to replay: give --recordings <dir> (or RECORDINGS_DIR) holding mbta-lamp/, or --replay <file...>',
    );
  }
  if (files.length === 0 && kind === 'auto') {
    logger.info(
      { recordings: recordings ?? null },
      'no recordings found: simulating a fleet around Boston',
    );
  }

  return async (clock) => {
    if (files.length === 0) {
      return createSimulatorSource({
        vehicles: opts.vehicles as number,
        seed: opts.seed as number,
      });
    }
    logger.info({ files }, 'loading recordings');
    const feed = opts.feed as string | undefined;
    const batches = await loadReplayBatches(files, feed === undefined ? {} : { feed });
    if (!opts.originalTimes) warnIfRecordingsSpread(batches, logger);
    return createReplaySource(batches, {
      speed: opts.speed as number,
      rebase: !opts.originalTimes,
      loop: opts.loop as boolean,
      onStreamTime: (ms) => clock.advance(ms),
    });
  };
}

/**
 * The pipeline settings `demo` and `stack` share, from their parsed options.
 *
 * @param opts - options of addServeOptions and addEngineSettingOptions
 * @param makeSource - builds the source
 * @returns everything of PipelineStackOptions but the store file and the log
 */
export function sharedStackOptionsOf(
  opts: Record<string, unknown>,
  makeSource: PipelineStackOptions['makeSource'],
): Omit<PipelineStackOptions, 'dbFile' | 'fresh' | 'openLog'> {
  return {
    settings: engineSettingsOf(opts),
    host: opts.host as string,
    port: opts.port as number,
    triggerMs: opts.triggerMs as number,
    page: pageConfigOf(opts),
    makeSource,
  };
}

/**
 * Says where the map is, then waits until Ctrl-C (or SIGTERM) has stopped the stack.
 *
 * @param stack - the running stack
 * @param what - what runs, for the banner
 */
export async function serveUntilStopped(stack: RunningStack, what: string): Promise<void> {
  process.stderr.write(`\n${what} is running: open ${stack.url}  (Ctrl-C stops it)\n\n`);
  const stop = (): void => stack.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await stack.done;
}

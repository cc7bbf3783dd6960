/**
 * `mobility-heatmap produce <source>`: publishes position events to the embedded log or to Kafka
 * (`--log kafka`), one append per snapshot: a replay of recordings, the simulator, or a live API
 * (MBTA V3, OpenSky, any GTFS-Realtime feed; a report whose ts has not changed since the last
 * poll is not sent again). The engine
 * (`mobility-heatmap engine`) consumes them from the same log. An append that fails for a reason
 * that may pass (a broker restarting) is retried until it lands, so an outage pauses the source
 * instead of losing its reports.
 */
import { Argument, Command } from 'commander';
import { DEFAULTS } from '../config.js';
import { UsageError } from '../errors.js';
import { loggerFor } from '../logger.js';
import { retryWhileRetriable } from '../retry.js';
import { createReplaySource, loadReplayBatches } from '../sources/replay-source.js';
import { createSimulatorSource } from '../sources/simulator.js';
import type { Source } from '../sources/source.js';
import {
  addLiveSourceOptions,
  LIVE_SOURCES,
  liveSourceOf,
  type LiveSourceKind,
} from './live-source-options.js';
import { warnIfRecordingsSpread } from './replay-span.js';
import { addLogOptions, describeLog, logChoiceOf, openChosenLog } from './log-options.js';
import { feedName, intInRange, positiveNumber } from './options.js';

/** Builds the `produce` command. */
export function produceCommand(): Command {
  const command = new Command('produce')
    .summary('publish position events (replay, simulator, MBTA, OpenSky, GTFS-RT) to a log')
    .description(
      'replay: plays recordings (any format `aggregate` reads) in capture order, one append per snapshot. sim: a simulated fleet around a city (Boston by default), or continuing from the positions of recordings given as files. mbta: MBTA V3 /vehicles, every page, polled (streamed when MBTA_API_KEY is set). opensky: /states/all, anonymous or with OPENSKY_CLIENT_ID and OPENSKY_CLIENT_SECRET. gtfsrt: any VehiclePositions --url. Events go to the log table of --db, or to the Kafka topic with --log kafka (keyed provider:vehicleId, idempotent producer).',
    )
    .addArgument(
      new Argument('<source>', 'what to publish').choices(['replay', 'sim', ...LIVE_SOURCES]),
    )
    .argument('[file...]', 'recordings to replay, or to start the simulator from')
    .option('--db <file>', 'SQLite file holding the embedded log', DEFAULTS.dbFile)
    .option('--speed <factor>', 'replay speed factor', positiveNumber, 1)
    .option('--as-fast-as-possible', 'replay without waiting between snapshots (a backfill)')
    .option('--original-times', 'keep the recorded times instead of rebasing them to now')
    .option('--no-loop', 'stop at the end of the recordings')
    .option('--feed <name>', 'name GTFS-RT inputs gtfsrt.<name>', feedName)
    .option('--vehicles <n>', 'simulated vehicles', intInRange(1, 100_000), 300)
    .option('--seed <n>', 'simulator seed', intInRange(0, 2 ** 31), 1)
    .option('--city <lat,lon[,km]>', 'simulator: centre and radius of the area', cityOption)
    .option('--ticks <n>', 'stop the simulator after this many ticks', intInRange(1, 1e9));
  return addLogOptions(addLiveSourceOptions(command)).action(
    async (kind: string, files: string[], opts) => {
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
      } else if (kind === 'sim') {
        const startFrom = files.length === 0 ? undefined : await loadReplayBatches(files);
        source = createSimulatorSource({
          vehicles: opts.vehicles,
          seed: opts.seed,
          ...(opts.city ?? {}),
          ...(startFrom === undefined ? {} : { startFrom }),
          ...(opts.ticks === undefined ? {} : { maxTicks: opts.ticks }),
        });
      } else {
        if (files.length > 0) throw new UsageError(`produce ${kind} takes no files`);
        source = liveSourceOf(kind as LiveSourceKind, opts);
      }

      const choice = logChoiceOf(opts);
      const log = await openChosenLog(choice, `produce-${kind}`);
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let appended = 0;
      try {
        await source.run(async (entries) => {
          await retryWhileRetriable('append', () => log.append(entries), controller.signal, logger);
          appended += entries.length;
        }, controller.signal);
      } catch (err) {
        // Stopped while an append was being retried (the log down at Ctrl-C): a stop, not a failure.
        if (!controller.signal.aborted) throw err;
      } finally {
        await log.close();
      }
      logger.info({ source: source.name, appended, log: describeLog(choice) }, 'produce finished');
    },
  );
}

function cityOption(value: string): { lat: number; lon: number; radiusKm?: number } {
  const parts = value.split(',').map((p) => Number(p.trim()));
  const [lat, lon, radiusKm] = parts;
  const ok =
    (parts.length === 2 || parts.length === 3) &&
    parts.every((p) => Number.isFinite(p)) &&
    Math.abs(lat!) <= 85 &&
    Math.abs(lon!) <= 180 &&
    (radiusKm === undefined || (radiusKm > 0 && radiusKm <= 500));
  if (!ok) {
    throw new UsageError(
      `--city "${value}" must be lat,lon or lat,lon,km (e.g. 47.61,-122.33,20 for Seattle)`,
    );
  }
  return radiusKm === undefined ? { lat: lat!, lon: lon! } : { lat: lat!, lon: lon!, radiusKm };
}

/**
 * The parts every live source (MBTA polled or streamed, OpenSky, GTFS-RT) is built from, resolved
 * once from its options: a child logger named for the source, the clock, the sleep, the jitter,
 * and an HTTP client that shares them, so that a test's fake clock paces the source and its
 * retries alike. Also the check of the numeric options the sources share.
 */
import { UsageError } from '../errors.js';
import { loggerFor, type Logger } from '../logger.js';
import { createHttpClient, type HttpClient, type HttpClientOptions } from './http-client.js';
import { sleepUnlessAborted, type Sleep } from './source.js';

/** What a live source runs with. */
export interface LiveSourceParts {
  /** The `sources` logger (or the one given), with the source's bindings. */
  log: Logger;
  sleep: Sleep;
  now: () => number;
  random: () => number;
  /** Logs to `log` and waits with `sleep`; no other option (a key) reaches it. */
  http: HttpClient;
}

/**
 * Resolves the parts of one live source from its options.
 *
 * @param opts - the source's options; only the HTTP settings are read
 * @param bindings - the child logger's fields, e.g. `{ source: 'mbta-live' }`
 * @returns the parts, defaults filled in
 */
export function createLiveSourceParts(
  opts: HttpClientOptions,
  bindings: { source: string } & Record<string, unknown>,
): LiveSourceParts {
  const log = (opts.logger ?? loggerFor('sources')).child(bindings);
  const sleep = opts.sleep ?? sleepUnlessAborted;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const { timeoutMs, retries, minBackoffMs, maxBackoffMs } = opts;
  const http = createHttpClient({
    timeoutMs,
    retries,
    minBackoffMs,
    maxBackoffMs,
    sleep,
    now,
    random,
    logger: log,
  });
  return { log, sleep, now, random, http };
}

/**
 * Insists that a numeric option of a live source (an interval, a rate) is a number above 0.
 *
 * @param what - names the option in the error, e.g. `the MBTA source's intervalMs`
 * @param value - the option's value
 * @throws UsageError when `value` is not finite or not above 0
 */
export function validatePositive(what: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new UsageError(`${what} must be a number above 0, got ${value}`);
  }
}

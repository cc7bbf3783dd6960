/**
 * The one retry loop for calls whose failures say whether trying again can help: a busy SQLite
 * file, a broker that restarts, a lost connection (HeatmapError's `retriable` flag). Used by the
 * engine for every log and store call and by producers for every append, so that an outage
 * pauses the pipeline instead of losing a batch.
 */
import pRetry from 'p-retry';
import { HeatmapError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * Runs `call`, retrying with backoff (0.2 s doubling to 10 s) while it fails with a retriable
 * error; any other error, or an abort, ends the loop.
 *
 * @param what - names the call in the warning logged before each retry
 * @param call - the call
 * @param signal - stops retrying
 * @param logger - where retries are logged
 * @returns what `call` returns
 * @throws the first error that is not retriable, or the abort reason
 */
export function retryWhileRetriable<T>(
  what: string,
  call: () => Promise<T>,
  signal: AbortSignal,
  logger: Logger,
): Promise<T> {
  return pRetry(call, {
    retries: Number.POSITIVE_INFINITY,
    minTimeout: 200,
    maxTimeout: 10_000,
    signal,
    shouldRetry: ({ error }) => error instanceof HeatmapError && error.retriable,
    onFailedAttempt: ({ error, attemptNumber }) => {
      if (error instanceof HeatmapError && error.retriable) {
        logger.warn({ err: error, what, attempt: attemptNumber }, 'retrying');
      }
    },
  });
}

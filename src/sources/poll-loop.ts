/**
 * The loop every polling source runs: poll, skip unchanged reports, append the rest as one
 * snapshot, log what happened, wait for the next poll. A poll that fails for a reason that may
 * pass (the network, a 5xx after its retries, a 429) costs that poll only; a failure the user
 * must fix (a refused key, a wrong URL) stops the source with its coded error.
 */
import type { InputRecord } from '../event/position-event.js';
import { HeatmapError, UpstreamRateLimitError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { HttpClientOptions } from './http-client.js';
import { recordToLogEntry, type Sleep, type SourceSink } from './source.js';
import { createUnchangedReportFilter } from './unchanged-report-filter.js';

/** Options every live source shares: pacing, the HTTP behaviour, and what tests replace. */
export interface LiveSourceOptions extends HttpClientOptions {
  /** Milliseconds from the start of one poll to the start of the next (each source's default). */
  intervalMs?: number;
  /** Stop after this many polls (default: run until aborted). */
  maxPolls?: number;
}

/** What one poll brought. */
export interface PollOutcome {
  /** Every input record of the snapshot, one per vehicle or aircraft (or one decode_error). */
  records: InputRecord[];
  /** Fields for the poll's log line, e.g. pages, bytes, ms; never a secret. */
  details: Record<string, unknown>;
  /** The least wait before the next poll, when the API's limits ask for more than the interval. */
  minWaitMs?: number;
}

/** How a polling source runs. */
export interface PollLoop {
  /** The source's logger: one line per poll, and one at start and stop. */
  log: Logger;
  /** Milliseconds from the start of one poll to the start of the next, at least. */
  intervalMs: number;
  /** Stop after this many polls (default: run until aborted). */
  maxPolls?: number;
  sleep: Sleep;
  /** The clock, in epoch ms: paces the polls and ages the unchanged-report filter. */
  now: () => number;
  /** One poll; throws a HeatmapError when it fails. */
  poll: (signal: AbortSignal) => Promise<PollOutcome>;
}

/**
 * Runs a polling source until `signal` aborts or `maxPolls` polls are done. An append holds
 * the reports of one poll that changed (unchanged-report-filter.ts, one filter per run); a poll
 * where nothing changed appends nothing.
 *
 * @param loop - the source's poll and settings
 * @param sink - receives each append
 * @param signal - stops the loop, during a poll or a wait
 * @returns when stopped
 * @throws what `sink` throws; a HeatmapError that is not retriable, from a poll
 */
export async function runPollLoop(
  loop: PollLoop,
  sink: SourceSink,
  signal: AbortSignal,
): Promise<void> {
  const maxPolls = loop.maxPolls ?? Number.POSITIVE_INFINITY;
  const filter = createUnchangedReportFilter({ now: loop.now });
  const totals = { polls: 0, sent: 0, failed: 0 };
  loop.log.info({ intervalMs: loop.intervalMs }, 'source started');

  while (totals.polls < maxPolls && !signal.aborted) {
    const startedMs = loop.now();
    totals.polls += 1;
    let waitMs = loop.intervalMs;

    // Stage 1: poll; a failure that may pass costs this poll only.
    const outcome = await pollOnce(loop, signal);
    if (outcome === 'aborted') break;

    if (outcome instanceof HeatmapError) {
      totals.failed += 1;
      loop.log.error({ err: outcome, poll: totals.polls }, 'poll failed');
      if (outcome instanceof UpstreamRateLimitError) {
        waitMs = Math.max(waitMs, outcome.retryAfterMs);
      }
    } else {
      // Stage 2: skip unchanged reports, append the rest, say what was done.
      const { kept, skipped } = filter.apply(outcome.records);
      if (kept.length > 0) await sink(kept.map(recordToLogEntry));
      totals.sent += kept.length;
      loop.log.info(
        {
          poll: totals.polls,
          fetched: outcome.records.length,
          sent: kept.length,
          skipped,
          rejected: kept.filter((record) => record.kind === 'rejected').length,
          ...outcome.details,
        },
        'poll done',
      );
      waitMs = Math.max(waitMs, outcome.minWaitMs ?? 0);
    }

    // Stage 3: wait until the next poll is due, counted from this poll's start.
    if (totals.polls < maxPolls) {
      await loop.sleep(Math.max(0, startedMs + waitMs - loop.now()), signal);
    }
  }

  loop.log.info(
    { ...totals, skipped: filter.skippedTotal, aborted: signal.aborted },
    'source stopped',
  );
}

/** One poll: its outcome, the retriable error it failed with, or `aborted`. */
async function pollOnce(
  loop: PollLoop,
  signal: AbortSignal,
): Promise<PollOutcome | HeatmapError | 'aborted'> {
  try {
    return await loop.poll(signal);
  } catch (err) {
    if (signal.aborted) return 'aborted';
    if (err instanceof HeatmapError && err.retriable) return err;
    throw err;
  }
}

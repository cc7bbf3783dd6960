/**
 * A warning for replays of recordings from different dates: rebasing shifts them all by one
 * amount, so a later recording plays far in the future, where an engine on the wall clock
 * rejects its events as `future_timestamp`.
 */
import type { Logger } from '../logger.js';
import type { RecordBatch } from '../sources/record-batch.js';

/** Recordings spanning more than this are worth a warning. */
export const WIDE_SPAN_MS = 6 * 3_600_000;

/**
 * Logs a warning when the snapshots' capture times span more than six hours.
 *
 * @param batches - the snapshots to replay
 * @param logger - where to warn
 * @returns the span in milliseconds (0 when fewer than two snapshots have a capture time)
 */
export function warnIfRecordingsSpread(batches: readonly RecordBatch[], logger: Logger): number {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const batch of batches) {
    if (batch.captureMs === null) continue;
    first = Math.min(first, batch.captureMs);
    last = Math.max(last, batch.captureMs);
  }
  const span = last > first ? last - first : 0;
  if (span > WIDE_SPAN_MS) {
    logger.warn(
      {
        spanHours: Math.round(span / 3_600_000),
        from: new Date(first).toISOString(),
        to: new Date(last).toISOString(),
      },
      'the recordings span more than 6 hours: rebased to now, the later ones play in the future and an engine on the wall clock rejects them (future_timestamp); replay recordings of one period together, or keep --original-times',
    );
  }
  return span;
}

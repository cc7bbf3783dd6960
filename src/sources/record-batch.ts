/**
 * A record batch: the input records of one snapshot of a source, as one poll of a live API, one
 * recorded response, or one feed timestamp of an MBTA LAMP archive. The batch mode of SPEC 4
 * feeds an engine one micro-batch per record batch, in order.
 */
import type { InputRecord } from '../event/position-event.js';

/** The input records of one snapshot, with the time the provider says it was taken. */
export interface RecordBatch {
  /**
   * When the snapshot was taken, in epoch milliseconds: the feed header time (GTFS-RT), the
   * response `time` (OpenSky; the newest `last_contact` for a bare array of states), the newest
   * `updated_at` (MBTA V3), the `feed_timestamp` (LAMP); null when the input says nothing of it,
   * as for plain NDJSON events.
   */
  captureMs: number | null;
  /** Where the batch came from, for logs: a path, or `path#n` for the n-th snapshot of a file. */
  label: string;
  /** Every input record of the snapshot, in the order the provider gave them. */
  records: InputRecord[];
}

/**
 * Builds the batch of an input that cannot be read at all: it counts once, as `decode_error`
 * (SPEC 1), and stops nothing else.
 *
 * @param label - where the input came from
 * @param detail - why it cannot be decoded, naming the input
 * @param raw - a short excerpt of the input, when it is text
 * @returns a batch of one rejected record, without a capture time
 */
export function decodeErrorBatch(label: string, detail: string, raw?: string): RecordBatch {
  const record: InputRecord =
    raw === undefined
      ? { kind: 'rejected', reason: 'decode_error', detail }
      : { kind: 'rejected', reason: 'decode_error', detail, raw };
  return { captureMs: null, label, records: [record] };
}

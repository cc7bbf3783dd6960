/**
 * The log interface: producers append messages, an engine reads them back by position. The
 * embedded log (a table in the SQLite file) and the Kafka log implement it.
 */
import { REJECT_REASONS, type DeadLetter, type RejectReason } from '../event/position-event.js';
import type { LogPosition } from '../store/store.js';

/** One message on the log. `reject` marks a record a source could not normalise (a dead letter in transit). */
export interface LogEntry {
  key: string;
  value: string;
  reject?: { reason: RejectReason; detail: string };
}

/** A log an engine reads by position; every implementation keeps entries in append order. */
export interface EventLog {
  /**
   * Appends entries durably, in order.
   *
   * @throws LogError, retriable when the log is busy or unreachable
   */
  append(entries: LogEntry[]): Promise<void>;
  /** The position after at most `maxRecords` entries from `from`; equal to `from` when the log has nothing new. */
  plan(from: LogPosition, maxRecords: number): Promise<LogPosition>;
  /** Entries in [from, to). */
  read(from: LogPosition, to: LogPosition): Promise<LogEntry[]>;
  /** The start of the log. */
  start(): LogPosition;
  close(): Promise<void>;
}

/** A log with a dead-letter place of its own (Kafka's `<topic>.dlq`), besides the store's table. */
export interface DeadLetterLog {
  /**
   * Publishes the dead letters of one micro-batch, before the batch is committed.
   *
   * @throws LogError, retriable when the log is busy or unreachable
   */
  publishDeadLetters(letters: DeadLetter[]): Promise<void>;
}

/**
 * Whether a log has a dead-letter place of its own.
 *
 * @param log - any log
 * @returns true for logs such as Kafka's
 */
export function isDeadLetterLog(log: EventLog): log is EventLog & DeadLetterLog {
  return typeof (log as Partial<DeadLetterLog>).publishDeadLetters === 'function';
}

/**
 * Reads a rejection stored beside a message. A reason this version does not know (written by a
 * newer producer) still dead-letters, as a decode error that names it.
 *
 * @param reason - the stored reason code
 * @param detail - the stored detail
 * @returns the rejection of a log entry
 */
export function rejectFromWire(
  reason: string,
  detail: string,
): { reason: RejectReason; detail: string } {
  return (REJECT_REASONS as readonly string[]).includes(reason)
    ? { reason: reason as RejectReason, detail }
    : { reason: 'decode_error', detail: `${reason}: ${detail}` };
}

/**
 * The log interface: producers append messages, an engine reads them back by position. The
 * embedded log (a table in the SQLite file) implements it; Kafka will too.
 */
import type { RejectReason } from '../event/position-event.js';
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

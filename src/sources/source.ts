/**
 * The shape every running source shares (a replay, the simulator, a live poller): it pushes one
 * append per snapshot into a sink until it is done or aborted. Also the one mapping from an input
 * record to a log message, so that every source keys and encodes its messages alike (SPEC 1:
 * Kafka key `<provider>:<vehicleId>`).
 */
import type { InputRecord } from '../event/position-event.js';
import type { LogEntry } from '../log/event-log.js';

/** Where a source delivers its messages: one call per snapshot, awaited before the next. */
export type SourceSink = (entries: LogEntry[]) => Promise<void>;

/** A waiting function that may be cut short: it resolves early, never rejects, when `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** A running source of position messages. */
export interface Source {
  /** A short name for logs, e.g. `replay` or `simulator`. */
  readonly name: string;
  /**
   * Pushes appends into `sink`, one per snapshot, until the source is done or `signal` aborts.
   *
   * @param sink - receives each append; the source waits for it before the next one
   * @param signal - stops the source promptly, between two appends or during a wait
   * @returns when the source is done or stopped
   * @throws whatever `sink` throws: the source stops and passes it on
   */
  run(sink: SourceSink, signal: AbortSignal): Promise<void>;
}

const utf8 = new TextDecoder();

/**
 * Reads the log key of a position event: `<provider>:<vehicleId>` (SPEC 1), or the empty key when
 * either part is not a string, as the engine will reject such an event anyway.
 *
 * @param event - an event object, as a normaliser built it or as parsed from a message
 * @returns the key
 */
export function eventKeyOf(event: Record<string, unknown>): string {
  const { provider, vehicleId } = event;
  return typeof provider === 'string' && typeof vehicleId === 'string'
    ? `${provider}:${vehicleId}`
    : '';
}

/**
 * Parses a message as a JSON object, the only shape that can hold a position event.
 *
 * @param text - the message
 * @returns the object, or null when the message is not JSON or not an object
 */
export function parseEventObject(text: string): Record<string, unknown> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : null;
}

/**
 * Turns a raw record's value into text: bytes are read as UTF-8, as JSON requires (RFC 8259,
 * section 8.1).
 *
 * @param value - the raw record's value
 * @returns the text
 */
export function rawText(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : utf8.decode(value);
}

/**
 * Turns one input record into the message a source appends to the log.
 * - `event`: keyed `<provider>:<vehicleId>`, the value is the event as JSON;
 * - `raw`: the line as it came, keyed by the event it holds when it parses as one, else unkeyed;
 * - `rejected`: unkeyed, the excerpt as value, with its reason, so the engine keeps a dead letter.
 *
 * @param record - a record built by a normaliser or a file reader
 * @returns the log entry
 */
export function recordToLogEntry(record: InputRecord): LogEntry {
  switch (record.kind) {
    case 'event':
      return { key: eventKeyOf(record.event), value: JSON.stringify(record.event) };
    case 'raw': {
      const value = rawText(record.value);
      const event = parseEventObject(value);
      return { key: event === null ? '' : eventKeyOf(event), value };
    }
    case 'rejected':
      return {
        key: '',
        value: record.raw ?? '',
        reject: { reason: record.reason, detail: record.detail },
      };
  }
}

/**
 * Waits `ms` milliseconds on a timer, or less when `signal` aborts; the default Sleep of every
 * source.
 *
 * @param ms - how long to wait; nothing is waited for 0 or less
 * @param signal - cuts the wait short
 * @returns when the time is up or the signal aborted
 */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

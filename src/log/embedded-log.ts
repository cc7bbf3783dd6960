/**
 * The embedded log: the EventLog of the embedded profile, a table in an SQLite file (it may be
 * the store's file, through its own connection). Producers append; an engine, perhaps in another
 * process, plans and reads micro-batches by offset. Offsets are the table's AUTOINCREMENT keys:
 * they start at 1, grow by one per entry with no gap (appends are serialized by SQLite's write
 * lock and a rolled-back append gives its numbers back), and are never reused, even after
 * truncation (https://www.sqlite.org/autoinc.html). The log is replayable while retained.
 */
import { LogError } from '../errors.js';
import { loggerFor } from '../logger.js';
import {
  isBusySqliteError,
  messageOf,
  openSqliteFile,
  type SqliteDatabase,
  type SqliteStatement,
} from '../store/sqlite-connection.js';
import type { LogPosition } from '../store/store.js';
import { rejectFromWire, type EventLog, type LogEntry } from './event-log.js';

const log = loggerFor('log');

/** The one partition of the embedded log, as positions name it. */
export const EMBEDDED_PARTITION = '0';

/** Entries are kept at least this long after they were appended (default of `retentionMs`). */
export const DEFAULT_RETENTION_MS = 60 * 60_000;

/** How to open the embedded log. */
export interface EmbeddedLogOptions {
  /** truncateBefore keeps entries younger than this, consumed or not (default one hour). */
  retentionMs?: number;
  /** How long an append waits for another writer of the file (the store's commits included). */
  busyTimeoutMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log_entries (
  "offset" INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  reject_reason TEXT NULL,
  reject_detail TEXT NULL,
  appended_at INTEGER NOT NULL
);
`;

type EntryValues = [key: string, value: string, reason: string | null, detail: string | null];

/** The EventLog on an SQLite table; open it with openEmbeddedLog. */
export class EmbeddedLog implements EventLog {
  /** The file, as given to openEmbeddedLog. */
  readonly path: string;
  readonly #db: SqliteDatabase;
  readonly #retentionMs: number;
  readonly #insert: SqliteStatement;
  readonly #select: SqliteStatement;
  readonly #bounds: SqliteStatement;
  readonly #append: (entries: LogEntry[], atMs: number) => void;
  readonly #truncate: (beforeOffset: number, cutoffMs: number) => number;

  /**
   * Wraps an open connection whose table exists; use openEmbeddedLog instead.
   *
   * @param db - the connection
   * @param path - the file, for messages
   * @param options - retention
   */
  constructor(db: SqliteDatabase, path: string, options: EmbeddedLogOptions = {}) {
    this.#db = db;
    this.path = path;
    this.#retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.#insert = db.prepare(
      `INSERT INTO log_entries (key, value, reject_reason, reject_detail, appended_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.#select = db
      .prepare(
        `SELECT key, value, reject_reason, reject_detail FROM log_entries
         WHERE "offset" >= ? AND "offset" < ? ORDER BY "offset"`,
      )
      .raw();
    this.#bounds = db.prepare(
      `SELECT (SELECT MIN("offset") FROM log_entries) AS first,
              (SELECT seq FROM sqlite_sequence WHERE name = 'log_entries') AS last`,
    );
    const firstKept = db
      .prepare(
        `SELECT "offset" FROM log_entries WHERE "offset" < ? AND appended_at >= ?
         ORDER BY "offset" LIMIT 1`,
      )
      .pluck();
    const deleteBefore = db.prepare('DELETE FROM log_entries WHERE "offset" < ?');
    this.#append = db.transaction((entries: LogEntry[], atMs: number) => {
      for (const e of entries) {
        this.#insert.run(e.key, e.value, e.reject?.reason ?? null, e.reject?.detail ?? null, atMs);
      }
    }).immediate;
    this.#truncate = db.transaction((beforeOffset: number, cutoffMs: number) => {
      // Offsets grow with time, so the first consumed entry still inside the retention bounds the
      // delete; finding it walks only over the entries about to go.
      const kept = firstKept.get(beforeOffset, cutoffMs) as number | undefined;
      const bound = kept === undefined ? beforeOffset : Math.min(beforeOffset, kept);
      return deleteBefore.run(bound).changes;
    }).immediate;
  }

  /**
   * Appends entries in one transaction, in order; concurrent producers are serialized.
   *
   * @param entries - the messages; `reject` marks a record a source could not normalise
   * @throws LogError, retriable when the file stayed locked past the busy timeout
   */
  async append(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.#guard(`append ${entries.length} entries`, () => this.#append(entries, Date.now()));
  }

  /**
   * The position after at most `maxRecords` entries from `from`. A position older than the
   * oldest retained entry is moved up to it first: truncated entries cannot be read again.
   *
   * @param from - where the reader is
   * @param maxRecords - the most entries one micro-batch may hold
   * @returns the end of the batch; equal to `from` when nothing new was appended
   * @throws LogError when `from` is not a position of this log or lies past its end
   */
  async plan(from: LogPosition, maxRecords: number): Promise<LogPosition> {
    const offset = offsetOf(from);
    if (!Number.isSafeInteger(maxRecords) || maxRecords < 0) {
      throw new LogError(`maxRecords must be a non-negative integer, got ${maxRecords}`);
    }

    const { first, next } = this.#guard('find the end', () => this.#range());
    if (offset > next) {
      throw new LogError(
        `position ${offset} lies past the end (${next}) of the log in ${this.path}; the checkpoint belongs to another log`,
      );
    }
    const start = Math.max(offset, first);
    if (start > offset) log.warn({ from: offset, first }, 'position before retained log, skipped');
    return { [EMBEDDED_PARTITION]: Math.min(next, start + maxRecords) };
  }

  /**
   * Entries in [from, to), in order; entries already truncated are missing.
   *
   * @param from - the first position
   * @param to - the position after the last
   * @returns the entries
   * @throws LogError when a position is not of this log, or the read fails
   */
  async read(from: LogPosition, to: LogPosition): Promise<LogEntry[]> {
    const [first, end] = [offsetOf(from), offsetOf(to)];
    const rows = this.#guard(`read entries ${first} to ${end}`, () =>
      this.#select.all(first, end),
    ) as EntryValues[];
    return rows.map(entryFromValues);
  }

  /**
   * The start of the log: the oldest retained entry, or the next offset when nothing is retained.
   *
   * @returns the position an engine without checkpoint starts from
   * @throws LogError when the file cannot be read
   */
  start(): LogPosition {
    return { [EMBEDDED_PARTITION]: this.#guard('find the start', () => this.#range()).first };
  }

  /**
   * Deletes entries before `position` that are older than the retention; an engine calls it
   * after a checkpoint, with the checkpoint's position, so nothing unread is deleted.
   *
   * @param position - entries before it have been consumed
   * @param nowMs - the wall clock (for tests)
   * @returns how many entries were deleted
   * @throws LogError, retriable when the file stayed locked past the busy timeout
   */
  async truncateBefore(position: LogPosition, nowMs: number = Date.now()): Promise<number> {
    const offset = offsetOf(position);
    const deleted = this.#guard(`truncate before ${offset}`, () =>
      this.#truncate(offset, nowMs - this.#retentionMs),
    );
    if (deleted > 0) log.debug({ before: offset, deleted }, 'log truncated');
    return deleted;
  }

  /**
   * Whether the log answers, with its retained range; never throws.
   *
   * @returns ok and a detail such as `offsets 1..5230 retained, next 5231`
   */
  async health(): Promise<{ ok: boolean; detail: string }> {
    try {
      const { first, next } = this.#guard('read the range', () => this.#range());
      return {
        ok: true,
        detail: `embedded log: offsets ${first}..${next - 1} retained, next ${next}`,
      };
    } catch (err) {
      return { ok: false, detail: messageOf(err) };
    }
  }

  /** Closes the connection; closing twice does nothing. */
  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /** The oldest retained offset and the next offset to be written. */
  #range(): { first: number; next: number } {
    const row = this.#bounds.get() as { first: number | null; last: number | null };
    const next = (row.last ?? 0) + 1;
    return { first: row.first ?? next, next };
  }

  #guard<T>(action: string, step: () => T): T {
    if (!this.#db.open) throw new LogError(`cannot ${action}: the log ${this.path} is closed`);
    try {
      return step();
    } catch (err) {
      throw new LogError(`cannot ${action} in the log ${this.path}: ${messageOf(err)}`, {
        cause: err,
        retriable: isBusySqliteError(err),
      });
    }
  }
}

/** The offset of a position of the embedded log. */
function offsetOf(position: LogPosition): number {
  const offset = position[EMBEDDED_PARTITION];
  if (offset === undefined || !Number.isSafeInteger(offset) || offset < 0) {
    throw new LogError(`not a position of the embedded log: ${JSON.stringify(position)}`);
  }
  return offset;
}

function entryFromValues(v: EntryValues): LogEntry {
  const entry: LogEntry = { key: v[0], value: v[1] };
  if (v[2] !== null) entry.reject = rejectFromWire(v[2], v[3] ?? '');
  return entry;
}

/**
 * Opens (and creates when missing) the embedded log in an SQLite file.
 *
 * @param path - the file (its folder is created), or `:memory:`; may be the store's file
 * @param opts - retention and busy timeout
 * @returns the log
 * @throws LogError when the file cannot be opened or written; retriable when it was locked
 */
export function openEmbeddedLog(path: string, opts: EmbeddedLogOptions = {}): EmbeddedLog {
  let db: SqliteDatabase | undefined;
  try {
    db = openSqliteFile(path, opts);
    db.exec(SCHEMA);
  } catch (err) {
    db?.close();
    throw new LogError(`cannot open the log ${path}: ${messageOf(err)}`, {
      cause: err,
      retriable: isBusySqliteError(err),
    });
  }
  log.info({ path }, 'log opened');
  return new EmbeddedLog(db, path, opts);
}

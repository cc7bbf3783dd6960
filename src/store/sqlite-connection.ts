/**
 * Opening the embedded profile's SQLite file. The store and the embedded log may share one file,
 * each through its own connection, and several processes may open it at once (the engine writes,
 * an API server reads), so every connection is opened the same way: write-ahead log, a busy
 * timeout, and errors sorted into those that may pass (a busy or locked database) and the rest.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

/** How to open an SQLite file. */
export interface SqliteOpenOptions {
  /** Open without write access; the file must exist (an API server reading the engine's file). */
  readonly?: boolean;
  /** How long a statement waits for another connection's write lock before failing busy. */
  busyTimeoutMs?: number;
}

/**
 * Default busy timeout. A large micro-batch commits in a few seconds, and a producer appending to
 * a log in the same file waits for it, so the wait must outlast one commit.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/** An open connection, as better-sqlite3 types it. */
export type SqliteDatabase = Database.Database;

/** A prepared statement, as better-sqlite3 types it. */
export type SqliteStatement = Database.Statement;

function isFilePath(path: string): boolean {
  return path !== '' && path !== ':memory:' && !path.startsWith('file:');
}

/**
 * Opens an SQLite file in WAL mode with a busy timeout; creates its folder when writable.
 *
 * Durability: WAL with `synchronous=NORMAL` keeps every committed transaction through a kill of
 * the process (SIGKILL included), because a commit has reached the operating system's WAL file
 * before it returns; only a power loss or an operating-system crash can roll back the last
 * commits, and never corrupts the file (https://www.sqlite.org/pragma.html#pragma_synchronous,
 * https://www.sqlite.org/wal.html). The engine replays from its checkpoint in that case.
 *
 * @param path - the file, or `:memory:`
 * @param options - read-only and busy timeout
 * @returns the open connection
 * @throws the driver's error when the file cannot be opened (callers wrap it in their own coded error)
 */
export function openSqliteFile(path: string, options: SqliteOpenOptions = {}): SqliteDatabase {
  const readonly = options.readonly ?? false;
  if (!readonly && isFilePath(path)) mkdirSync(dirname(path), { recursive: true });

  const db = new Database(path, { readonly, fileMustExist: readonly });
  try {
    // The timeout first: switching to WAL takes a lock that another process may hold.
    db.pragma(
      `busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`,
    );
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Tells whether an SQLite failure may pass if retried: another connection holds a lock
 * (SQLITE_BUSY, SQLITE_LOCKED and their extended codes, https://www.sqlite.org/rescode.html).
 *
 * @param err - anything thrown by better-sqlite3
 * @returns true for busy and locked databases
 */
export function isBusySqliteError(err: unknown): boolean {
  const code = codeOf(err);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/**
 * The SQLite result code of a driver error, e.g. `SQLITE_CONSTRAINT_NOTNULL`.
 *
 * @param err - anything thrown by better-sqlite3
 * @returns the code, or an empty string when there is none
 */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * The message of a thrown value, for wrapping it in a coded error.
 *
 * @param err - anything thrown
 * @returns its message, or its string form
 */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Tells whether a connection has a table, to refuse reading a file nobody has initialised.
 *
 * @param db - an open connection
 * @param table - the table's name
 * @returns true when the table exists
 */
export function hasTable(db: SqliteDatabase, table: string): boolean {
  const row = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(table);
  return row !== undefined;
}

/** Prepared statements of one connection, prepared on first use and reused, keyed by their text. */
export class StatementCache {
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, SqliteStatement>();

  /**
   * Starts an empty cache.
   *
   * @param db - the connection the statements belong to
   */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /**
   * The prepared statement of a text.
   *
   * @param sql - the statement
   * @param raw - return rows as arrays rather than objects (faster for long lists)
   * @returns the statement, prepared once
   * @throws the driver's error when the text does not prepare
   */
  get(sql: string, raw = false): SqliteStatement {
    const key = raw ? `raw:${sql}` : sql;
    let statement = this.#statements.get(key);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      if (raw) statement.raw(true);
      this.#statements.set(key, statement);
    }
    return statement;
  }
}

/**
 * The store of the embedded profile: tiles, latest positions, checkpoints and dead letters in one
 * SQLite file (better-sqlite3). A micro-batch is one transaction (sqlite-batch-writer.ts), so a
 * crash leaves either all of a batch with its checkpoint or none of it (SPEC 3, exactly-once
 * effect); the map reads are in sqlite-map-reads.ts. The driver is synchronous; the methods are
 * async only to fit the Store interface that MongoDB also implements. Several processes may open
 * the file: the engine writes, API servers read.
 */
import { DEFAULT_DEAD_LETTER_LIMIT } from './store.js';
import { StoreError } from '../errors.js';
import type { DeadLetter } from '../event/position-event.js';
import { loggerFor } from '../logger.js';
import { SqliteBatchWriter } from './sqlite-batch-writer.js';
import {
  codeOf,
  hasTable,
  isBusySqliteError,
  messageOf,
  openSqliteFile,
  StatementCache,
  type SqliteDatabase,
  type SqliteOpenOptions,
} from './sqlite-connection.js';
import { validateCount } from './sqlite-map-filter.js';
import { selectLatestTiles, selectPositions, selectTileRange } from './sqlite-map-reads.js';
import { deadLetterFromRow, type DeadLetterRow } from './sqlite-rows.js';
import { createStoreSchema } from './sqlite-schema.js';
import type {
  BatchCommit,
  BatchPlan,
  Checkpoint,
  EngineStats,
  MapQuery,
  PositionPage,
  Store,
  StoreHealth,
  TilePage,
} from './store.js';

const log = loggerFor('store');

/** How to open the SQLite store. */
export interface SqliteStoreOptions extends SqliteOpenOptions {
  /** Dead letters kept, newest first (default DEFAULT_DEAD_LETTER_LIMIT). */
  deadLetterLimit?: number;
}

/** Dead letters kept, the newest (shared by both stores). */
export { DEFAULT_DEAD_LETTER_LIMIT };

const SAVE_PLAN = `INSERT INTO checkpoints (engine_id, plan) VALUES (?, ?)
  ON CONFLICT (engine_id) DO UPDATE SET plan = excluded.plan`;
const LOAD_PLAN = 'SELECT plan FROM checkpoints WHERE engine_id = ?';
const LOAD_CHECKPOINT = `SELECT batch_id AS batchId, position, state FROM checkpoints
  WHERE engine_id = ? AND batch_id IS NOT NULL`;
const STATS_OF_ENGINE = 'SELECT stats FROM checkpoints WHERE engine_id = ?';
const STATS_OF_LAST_COMMIT = `SELECT stats FROM checkpoints WHERE stats IS NOT NULL
  ORDER BY commit_seq DESC LIMIT 1`;
const NEWEST_DEAD_LETTERS = `SELECT reason, detail, raw, provider FROM dead_letters
  ORDER BY id DESC LIMIT ?`;
const SWEEP = 'DELETE FROM tiles WHERE stale_at <= ?';

/** The Store on an SQLite file; open it with openSqliteStore. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  /** The file, as given to openSqliteStore. */
  readonly path: string;
  readonly #db: SqliteDatabase;
  readonly #readonly: boolean;
  readonly #statements: StatementCache;
  readonly #writer: SqliteBatchWriter;

  /**
   * Wraps an open connection whose schema exists; use openSqliteStore instead.
   *
   * @param db - the connection
   * @param path - the file, for health details and messages
   * @param options - read-only and dead-letter limit
   */
  constructor(db: SqliteDatabase, path: string, options: SqliteStoreOptions = {}) {
    const deadLetterLimit = options.deadLetterLimit ?? DEFAULT_DEAD_LETTER_LIMIT;
    this.#db = db;
    this.path = path;
    this.#readonly = options.readonly ?? false;
    this.#statements = new StatementCache(db);
    this.#writer = new SqliteBatchWriter(db, this.#statements, deadLetterLimit);
  }

  /**
   * Writes a micro-batch in one transaction: tiles as totals, positions only when newer, dead
   * letters, the checkpoint and the counters. A failure leaves nothing of the batch.
   *
   * @param commit - everything the batch writes
   * @throws StoreError, retriable when the database was busy
   */
  async commitBatch(commit: BatchCommit): Promise<void> {
    const { engineId, batchId } = commit.checkpoint;
    this.#guard(`commit batch ${batchId} of engine "${engineId}"`, () =>
      this.#writer.write(commit, Date.now()),
    );
  }

  /**
   * Records the micro-batch an engine is about to run, before it runs (as Spark's offset log).
   *
   * @param engineId - the engine
   * @param plan - the batch's log range
   * @throws StoreError, retriable when the database was busy
   */
  async savePlan(engineId: string, plan: BatchPlan): Promise<void> {
    this.#guard(`save plan of batch ${plan.batchId} of engine "${engineId}"`, () =>
      this.#statements.get(SAVE_PLAN).run(engineId, JSON.stringify(plan)),
    );
  }

  /**
   * The last plan an engine saved.
   *
   * @param engineId - the engine
   * @returns the plan, or null when it saved none
   * @throws StoreError, retriable when the database was busy
   */
  async loadPlan(engineId: string): Promise<BatchPlan | null> {
    const row = this.#guard(`load plan of engine "${engineId}"`, () =>
      this.#statements.get(LOAD_PLAN).get(engineId),
    ) as { plan: string | null } | undefined;
    return row?.plan == null ? null : (JSON.parse(row.plan) as BatchPlan);
  }

  /**
   * The last checkpoint an engine committed.
   *
   * @param engineId - the engine
   * @returns the checkpoint, or null before its first commit
   * @throws StoreError, retriable when the database was busy
   */
  async loadCheckpoint(engineId: string): Promise<Checkpoint | null> {
    const row = this.#guard(`load checkpoint of engine "${engineId}"`, () =>
      this.#statements.get(LOAD_CHECKPOINT).get(engineId),
    ) as { batchId: number; position: string; state: string } | undefined;
    if (row === undefined) return null;
    return {
      engineId,
      batchId: row.batchId,
      position: JSON.parse(row.position) as Checkpoint['position'],
      state: row.state,
    };
  }

  /**
   * The counters an engine committed last.
   *
   * @param engineId - the engine; when omitted, the engine that committed last
   * @returns the counters, or null before any commit
   * @throws StoreError, retriable when the database was busy
   */
  async readStats(engineId?: string): Promise<EngineStats | null> {
    const row = this.#guard('read stats', () =>
      engineId === undefined
        ? this.#statements.get(STATS_OF_LAST_COMMIT).get()
        : this.#statements.get(STATS_OF_ENGINE).get(engineId),
    ) as { stats: string | null } | undefined;
    return row?.stats == null ? null : (JSON.parse(row.stats) as EngineStats);
  }

  /**
   * The newest dead letters, newest first.
   *
   * @param limit - how many at most
   * @returns the dead letters with their reasons
   * @throws StoreError when limit is not a non-negative integer, or the read fails
   */
  async readDeadLetters(limit: number): Promise<DeadLetter[]> {
    validateCount('limit', limit);
    const rows = this.#guard('read dead letters', () =>
      this.#statements.get(NEWEST_DEAD_LETTERS).all(limit),
    ) as DeadLetterRow[];
    return rows.map(deadLetterFromRow);
  }

  /**
   * Tiles of the newest window that has data under the provider filter, then kept when their
   * centroid lies in the bbox; the busiest first (see selectLatestTiles).
   *
   * @param query - providers, bbox and limit
   * @returns the window and its tiles; `truncated` when more than `limit` matched
   * @throws StoreError on a bad limit or bbox, or when the read fails
   */
  async readLatestTiles(query: MapQuery): Promise<TilePage> {
    return this.#guard('read latest tiles', () => selectLatestTiles(this.#statements, query));
  }

  /**
   * Tiles of the windows that end within `minutes` of the end of the newest window, merged per
   * cell (see selectTileRange).
   *
   * @param query - providers, bbox, limit and minutes
   * @returns merged tiles, the busiest first
   * @throws StoreError on a bad limit, minutes or bbox, or when the read fails
   */
  async readTileRange(query: MapQuery & { minutes: number }): Promise<TilePage> {
    return this.#guard('read tile range', () => selectTileRange(this.#statements, query));
  }

  /**
   * Latest positions seen within `maxAgeSec` of the newest position under the provider filter,
   * newest first (see selectPositions).
   *
   * @param query - providers, bbox, limit and maxAgeSec
   * @returns the positions; `truncated` when more than `limit` matched
   * @throws StoreError on a bad limit, maxAgeSec or bbox, or when the read fails
   */
  async readPositions(query: MapQuery & { maxAgeSec: number }): Promise<PositionPage> {
    return this.#guard('read positions', () => selectPositions(this.#statements, query));
  }

  /**
   * Deletes tiles whose staleAt is at or before `clockMs` (the stream's clock).
   *
   * @param clockMs - epoch milliseconds
   * @returns how many tiles were deleted
   * @throws StoreError, retriable when the database was busy
   */
  async sweepExpired(clockMs: number): Promise<number> {
    if (!Number.isFinite(clockMs)) throw new StoreError(`clockMs must be finite, got ${clockMs}`);
    return this.#guard('sweep expired tiles', () => this.#statements.get(SWEEP).run(clockMs))
      .changes;
  }

  /**
   * Checks that the file answers a query; never throws.
   *
   * @returns ok, the kind `sqlite` and the file, or the failure
   */
  async health(): Promise<StoreHealth> {
    try {
      this.#statements.get('SELECT 1').get();
      const mode = this.#readonly ? 'read-only' : 'read-write';
      return { ok: true, kind: this.kind, detail: `${this.path} (${mode})` };
    } catch (err) {
      return { ok: false, kind: this.kind, detail: messageOf(err) };
    }
  }

  /** Closes the connection; later calls fail with StoreError, and closing twice does nothing. */
  async close(): Promise<void> {
    if (!this.#db.open) return;
    this.#db.close();
    log.info({ path: this.path }, 'store closed');
  }

  /** Runs a step of the driver and turns its failure into a StoreError that names the step. */
  #guard<T>(action: string, step: () => T): T {
    if (!this.#db.open) throw new StoreError(`cannot ${action}: the store ${this.path} is closed`);
    try {
      return step();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError(`cannot ${action} in ${this.path}: ${messageOf(err)}`, {
        cause: err,
        retriable: isBusySqliteError(err),
      });
    }
  }
}

/**
 * Opens (and, when writable, creates) the SQLite store in a file.
 *
 * @param path - the file (its folder is created), or `:memory:`
 * @param opts - `readonly` for a process that only reads (an API server beside the engine);
 *   `busyTimeoutMs`; `deadLetterLimit`
 * @returns the store
 * @throws StoreError when the file cannot be opened or has no store yet (read-only; retriable,
 *   since the engine may not have created it yet), or when deadLetterLimit is not a count
 */
export function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
  const readonly = opts.readonly ?? false;
  validateCount('deadLetterLimit', opts.deadLetterLimit ?? DEFAULT_DEAD_LETTER_LIMIT);
  let db: SqliteDatabase;
  try {
    db = openSqliteFile(path, opts);
  } catch (err) {
    throw new StoreError(`cannot open the store ${path}: ${messageOf(err)}`, {
      cause: err,
      // A reader may start before the engine has created the file.
      retriable: isBusySqliteError(err) || (readonly && codeOf(err) === 'SQLITE_CANTOPEN'),
    });
  }

  try {
    if (!readonly) createStoreSchema(db);
    else if (!hasTable(db, 'tiles')) {
      throw new StoreError(`the file ${path} has no store tables yet`, { retriable: true });
    }
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError(`cannot create the store's tables in ${path}: ${messageOf(err)}`, {
      cause: err,
      retriable: isBusySqliteError(err),
    });
  }

  log.info({ path, readonly }, 'store opened');
  return new SqliteStore(db, path, opts);
}

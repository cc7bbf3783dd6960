/**
 * The write side of the SQLite store: one micro-batch, one transaction. Tiles are upserted as
 * totals keyed by identity, positions only when newer, dead letters appended once per batch,
 * then the checkpoint and the counters replaced, so that a batch is all there or not at all
 * (SPEC 3, exactly-once effect).
 */
import type { DeadLetter, PositionEvent } from '../event/position-event.js';
import { loggerFor } from '../logger.js';
import { BulkUpsert } from './sqlite-bulk-upsert.js';
import type { SqliteDatabase, StatementCache } from './sqlite-connection.js';
import { bindPosition, bindTile, POSITION_COLUMNS, TILE_COLUMNS } from './sqlite-rows.js';
import type { BatchCommit, Checkpoint, TileRecord } from './store.js';

const log = loggerFor('store');

const TILE_KEY: readonly string[] = ['provider', 'window_start', 'grid', 'cell_id'];
const POSITION_KEY: readonly string[] = ['provider', 'vehicle_id'];

/** `column = excluded.column` for every column outside the key. */
function updateAllBut(columns: readonly string[], key: readonly string[]): string {
  return columns
    .filter((c) => !key.includes(c))
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
}

/** Writes micro-batches to the store's tables. */
export class SqliteBatchWriter {
  readonly #statements: StatementCache;
  readonly #deadLetterLimit: number;
  readonly #tiles: BulkUpsert<TileRecord>;
  readonly #positions: BulkUpsert<PositionEvent>;
  readonly #transaction: (commit: BatchCommit, atMs: number) => void;

  /**
   * Prepares the writes of one connection.
   *
   * @param db - a writable connection whose schema exists
   * @param statements - the connection's statement cache
   * @param deadLetterLimit - how many dead letters to keep
   */
  constructor(db: SqliteDatabase, statements: StatementCache, deadLetterLimit: number) {
    this.#statements = statements;
    this.#deadLetterLimit = deadLetterLimit;
    this.#tiles = new BulkUpsert(
      db,
      `INSERT INTO tiles (${TILE_COLUMNS.join(', ')})`,
      `ON CONFLICT (${TILE_KEY.join(', ')}) DO UPDATE SET ${updateAllBut(TILE_COLUMNS, TILE_KEY)}`,
      TILE_COLUMNS.length,
      bindTile,
    );
    this.#positions = new BulkUpsert(
      db,
      `INSERT INTO positions_latest (${POSITION_COLUMNS.join(', ')})`,
      // SPEC 3: an older or equal report never replaces a newer one, whatever the order.
      `ON CONFLICT (${POSITION_KEY.join(', ')})
       DO UPDATE SET ${updateAllBut(POSITION_COLUMNS, POSITION_KEY)}
       WHERE excluded.ts > positions_latest.ts`,
      POSITION_COLUMNS.length,
      bindPosition,
    );
    // IMMEDIATE takes the write lock at BEGIN, so a commit waits (busy_timeout) for another
    // writer instead of failing when it would upgrade a read lock.
    this.#transaction = db.transaction(this.#writeAll.bind(this)).immediate;
  }

  /**
   * Writes one micro-batch in one transaction; on failure nothing of it remains.
   *
   * @param commit - everything the batch writes
   * @param atMs - the wall clock, stamped on dead letters
   * @throws the driver's error (the store wraps it)
   */
  write(commit: BatchCommit, atMs: number): void {
    this.#transaction(commit, atMs);
  }

  #writeAll(commit: BatchCommit, atMs: number): void {
    const { checkpoint } = commit;
    this.#tiles.run(commit.tiles);
    this.#positions.run(commit.positions);
    if (commit.deadLetters.length > 0) this.#writeDeadLetters(commit.deadLetters, checkpoint, atMs);

    // commit_seq tells which engine committed last, for readStats without an engine.
    this.#statements
      .get(
        `INSERT INTO checkpoints (engine_id, batch_id, position, state, stats, commit_seq)
         VALUES (@engineId, @batchId, @position, @state, @stats,
           (SELECT COALESCE(MAX(commit_seq), 0) + 1 FROM checkpoints))
         ON CONFLICT (engine_id) DO UPDATE SET batch_id = excluded.batch_id,
           position = excluded.position, state = excluded.state, stats = excluded.stats,
           commit_seq = excluded.commit_seq`,
      )
      .run({
        engineId: checkpoint.engineId,
        batchId: checkpoint.batchId,
        position: JSON.stringify(checkpoint.position),
        state: checkpoint.state,
        stats: JSON.stringify(commit.stats),
      });
  }

  #writeDeadLetters(letters: DeadLetter[], checkpoint: Checkpoint, atMs: number): void {
    const { engineId, batchId } = checkpoint;
    const insert = this.#statements.get(
      `INSERT INTO dead_letters (reason, detail, raw, provider, at, engine_id, batch_id, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (engine_id, batch_id, seq) DO NOTHING`,
    );
    letters.forEach((d, seq) => {
      insert.run(d.reason, d.detail, d.raw, d.provider ?? null, atMs, engineId, batchId, seq);
    });

    // Limitation: only the newest deadLetterLimit dead letters are kept (100,000 by default), so
    // that a feed of bad messages cannot fill the disk; older ones are deleted here, in the same
    // transaction. Their counts stay in the engine's counters.
    const pruned = this.#statements
      .get('DELETE FROM dead_letters WHERE id <= (SELECT MAX(id) FROM dead_letters) - ?')
      .run(this.#deadLetterLimit).changes;
    if (pruned > 0) log.debug({ pruned, keep: this.#deadLetterLimit }, 'dead letters pruned');
  }
}

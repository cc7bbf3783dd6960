/**
 * Many rows per statement. An engine commits tens of thousands of tiles and positions per
 * micro-batch; binding 64 rows to one multi-row INSERT ... ON CONFLICT statement costs one call
 * into SQLite instead of 64, and the statements are prepared once and reused. SQLite inserts the
 * rows of a VALUES list one after another, each with its own upsert step
 * (https://www.sqlite.org/lang_upsert.html), so a later row of the same key meets the effect of
 * an earlier one, as with single-row statements; the store contract's shuffled-positions case
 * checks it.
 */
import type { SqliteDatabase, SqliteStatement } from './sqlite-connection.js';

/** Writes a row's values into `params` from index `at`, in the order of the statement's columns. */
export type RowBinder<T> = (row: T, params: unknown[], at: number) => void;

/** Rows per full statement: 64 x 13 columns stays far below SQLite's 32,766 variables. */
const CHUNK_ROWS = 64;

/** A prepared multi-row upsert of one table. */
export class BulkUpsert<T> {
  readonly #db: SqliteDatabase;
  readonly #head: string;
  readonly #tail: string;
  readonly #width: number;
  readonly #bind: RowBinder<T>;
  readonly #statements = new Map<number, SqliteStatement>();
  readonly #params: unknown[];

  /**
   * Describes the upsert; statements are prepared on first use, one per number of rows.
   *
   * @param db - the connection
   * @param head - `INSERT INTO table (columns...)`
   * @param tail - the conflict clause, e.g. `ON CONFLICT (...) DO UPDATE SET ...`
   * @param width - the number of columns in `head`
   * @param bind - writes one row's values
   */
  constructor(db: SqliteDatabase, head: string, tail: string, width: number, bind: RowBinder<T>) {
    this.#db = db;
    this.#head = head;
    this.#tail = tail;
    this.#width = width;
    this.#bind = bind;
    this.#params = new Array<unknown>(CHUNK_ROWS * width);
  }

  /**
   * Writes all rows, in order; call it inside a transaction.
   *
   * @param rows - the rows
   * @throws the driver's error when a row breaks a constraint
   */
  run(rows: readonly T[]): void {
    const width = this.#width;
    const params = this.#params;
    let i = 0;

    for (; i + CHUNK_ROWS <= rows.length; i += CHUNK_ROWS) {
      for (let j = 0; j < CHUNK_ROWS; j++) this.#bind(rows[i + j]!, params, j * width);
      this.#statement(CHUNK_ROWS).run(params);
    }

    const rest = rows.length - i;
    if (rest === 0) return;
    const tailParams = new Array<unknown>(rest * width);
    for (let j = 0; j < rest; j++) this.#bind(rows[i + j]!, tailParams, j * width);
    this.#statement(rest).run(tailParams);
  }

  #statement(rows: number): SqliteStatement {
    let statement = this.#statements.get(rows);
    if (statement === undefined) {
      const tuple = `(${new Array<string>(this.#width).fill('?').join(', ')})`;
      const values = new Array<string>(rows).fill(tuple).join(', ');
      statement = this.#db.prepare(`${this.#head} VALUES ${values} ${this.#tail}`);
      this.#statements.set(rows, statement);
    }
    return statement;
  }
}

/**
 * The MongoDB store of the distributed profile (SPEC 7), on the official driver: tiles and latest
 * positions in the collections the original design names, checkpoints and dead letters beside
 * them. A batch is written as the Spark job's foreachBatch writes: tiles as totals keyed by
 * identity (unordered bulk upserts), positions only when newer, dead letters under ids that name
 * their batch, then the checkpoint last. Every write is idempotent, so a batch run again after a
 * crash ends in the same documents, with or without transactions (FerretDB has none).
 */
import { DEFAULT_DEAD_LETTER_LIMIT } from './store.js';
import {
  MongoBulkWriteError,
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Document,
} from 'mongodb';
import { StoreError } from '../errors.js';
import type { DeadLetter } from '../event/position-event.js';
import { loggerFor } from '../logger.js';
import {
  deadLetterFromDocument,
  newestPerVehicle,
  positionToDocument,
  tileToDocument,
  validateCommit,
  type CheckpointDocument,
  type DeadLetterDocument,
  type PositionDocument,
  type TileDocument,
} from './mongo-documents.js';
import { findLatestTiles, findPositions, findTileRange } from './mongo-map-reads.js';
import { COLLECTIONS, ensureMongoSchema, type MongoFeatures } from './mongo-schema.js';
import { validateCount } from './sqlite-map-filter.js';
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

/** Dead letters kept, the newest (shared by both stores). */
export { DEFAULT_DEAD_LETTER_LIMIT };

/** The duplicate-key error: two upserts of one new vehicle raced, one of them inserted first. */
const DUPLICATE_KEY = 11000;

/** How to reach the server. */
export interface MongoStoreOptions {
  /** MONGO_URI, e.g. `mongodb://127.0.0.1:27017`. */
  uri: string;
  /** MONGO_DB (default `mobility`). */
  db: string;
  /** How long one operation waits for a server before it fails, retriably (default 10 s). */
  serverSelectionTimeoutMs?: number;
  deadLetterLimit?: number;
  /** For API servers: create no index, only read what the server has (`serve` needs `read`). */
  readonly?: boolean;
}

/**
 * Server error codes that say the server is going away or is not (yet) the one to write to:
 * shutdown in progress, interrupted at shutdown, not primary, primary stepped down, and the
 * like (the codes MongoDB's drivers treat as retryable for reads and writes).
 */
const PASSING_SERVER_CODES = new Set([
  6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436,
]);

/**
 * Whether a driver error may pass: a lost connection, no server yet, a server shutting down or
 * stepping down, a retryable write. A bulk write that lost its connection arrives wrapped in a
 * MongoBulkWriteError with no per-document errors; the error inside decides.
 *
 * @param err - what the driver threw
 * @returns true when trying again later can succeed
 */
export function isRetriableMongoError(err: unknown): boolean {
  if (err instanceof MongoNetworkError || err instanceof MongoServerSelectionError) return true;
  if (err instanceof MongoBulkWriteError && [err.writeErrors].flat().length === 0) {
    const inner = err.errorResponse as unknown;
    if (inner !== err && inner instanceof MongoError && isRetriableMongoError(inner)) return true;
  }
  if (!(err instanceof MongoError)) return false;
  if (typeof err.code === 'number' && PASSING_SERVER_CODES.has(err.code)) return true;
  return err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('TransientTransactionError');
}

const EXTENSIONS = ['altitudeM', 'onGround', 'label', 'routeId', 'mode'] as const;

/** A newer report replaces the whole position: extensions it lacks are removed, not kept. */
function unsetAbsentExtensions(doc: Omit<PositionDocument, '_id'>): {
  $unset?: Record<string, ''>;
} {
  const absent = EXTENSIONS.filter((f) => doc[f] === undefined);
  return absent.length === 0 ? {} : { $unset: Object.fromEntries(absent.map((f) => [f, ''])) };
}

/**
 * The URI as logs, messages and `/api/health` may show it: the password masked and the query
 * string dropped, since options such as `authMechanismProperties` or
 * `tlsCertificateKeyFilePassword` can carry secrets too.
 *
 * @param uri - a MongoDB connection string
 * @returns scheme, user, hosts and path only
 */
export function redactMongoUri(uri: string): string {
  const withoutQuery = uri.replace(/\?.*$/s, '');
  return withoutQuery.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}

/**
 * Writes of one bulk command at most. FerretDB 1.24 keeps a database connection open for every
 * update of an existing document until the command ends, and its pool holds 100: one command of
 * 300 updates hung the server for good (measured with a throwaway script). Parts of 40 leave room
 * for a second writer and the readers; MongoDB merely makes a few more round trips.
 */
export const WRITES_PER_COMMAND = 40;

/**
 * Runs unordered bulk writes in commands of at most WRITES_PER_COMMAND, one after the other.
 *
 * @throws the first part's MongoBulkWriteError; later parts are then not sent (every caller
 * retries writes that are idempotent)
 */
async function bulkWriteInParts<T extends Document>(
  collection: Collection<T>,
  ops: AnyBulkWriteOperation<T>[],
): Promise<void> {
  for (let start = 0; start < ops.length; start += WRITES_PER_COMMAND) {
    await collection.bulkWrite(ops.slice(start, start + WRITES_PER_COMMAND), { ordered: false });
  }
}

/** The Store on MongoDB; open it with openMongoStore. */
export class MongoStore implements Store {
  readonly kind = 'mongodb';
  readonly features: MongoFeatures;
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #where: string;
  readonly #deadLetterLimit: number;
  #closed = false;

  constructor(client: MongoClient, db: Db, features: MongoFeatures, where: string, limit: number) {
    this.#client = client;
    this.#db = db;
    this.features = features;
    this.#where = where;
    this.#deadLetterLimit = limit;
  }

  get #tiles(): Collection<TileDocument> {
    return this.#db.collection<TileDocument>(COLLECTIONS.tiles);
  }

  get #positions(): Collection<PositionDocument> {
    return this.#db.collection<PositionDocument>(COLLECTIONS.positions);
  }

  get #checkpoints(): Collection<CheckpointDocument> {
    return this.#db.collection<CheckpointDocument>(COLLECTIONS.checkpoints);
  }

  get #deadLetters(): Collection<DeadLetterDocument> {
    return this.#db.collection<DeadLetterDocument>(COLLECTIONS.deadLetters);
  }

  /**
   * Writes one micro-batch: checked whole first, then tiles, positions and dead letters, then
   * the checkpoint. A failure part-way leaves writes that the batch's re-run repeats exactly.
   *
   * @throws StoreError, retriable when the server was unreachable; not retriable for a bad record
   */
  async commitBatch(commit: BatchCommit): Promise<void> {
    validateCommit(commit);
    const { engineId, batchId } = commit.checkpoint;
    await this.#guard(`commit batch ${batchId} of engine "${engineId}"`, async () => {
      // Stage 1: tiles, as totals keyed by identity (SPEC 3: never increments).
      if (commit.tiles.length > 0) await this.#writeTiles(commit.tiles.map(tileToDocument));

      // Stage 2: positions, only over an older report (SPEC 3: never back in time).
      await this.#writePositions(newestPerVehicle(commit.positions).map(positionToDocument));

      // Stage 3: dead letters, then the checkpoint that says the batch is done.
      const seq = await this.#nextCommitSeq();
      if (commit.deadLetters.length > 0) await this.#writeDeadLetters(commit, seq);
      await this.#checkpoints.updateOne(
        { _id: engineId },
        {
          $set: {
            batchId,
            position: JSON.stringify(commit.checkpoint.position),
            state: commit.checkpoint.state,
            stats: JSON.stringify(commit.stats),
            commitSeq: seq,
          },
        },
        { upsert: true },
      );
    });
  }

  /**
   * Upserts tiles as totals by `_id`. Two writers inserting one new tile at once race on the id:
   * the loser's E11000 means the tile exists now, and the whole bulk is sent again, which sets
   * the same totals (every write is idempotent).
   */
  async #writeTiles(docs: TileDocument[]): Promise<void> {
    const ops: AnyBulkWriteOperation<TileDocument>[] = docs.map(({ _id, ...fields }) => ({
      updateOne: { filter: { _id }, update: { $set: fields }, upsert: true },
    }));
    for (let attempt = 1; ; attempt++) {
      try {
        await bulkWriteInParts(this.#tiles, ops);
        return;
      } catch (err) {
        const errors = err instanceof MongoBulkWriteError ? [err.writeErrors].flat() : [];
        const raced = errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY);
        if (!raced || attempt >= 3) throw err;
      }
    }
  }

  /**
   * Upserts positions whose stored report is older, or missing. Two writers inserting one new
   * vehicle at once race on the unique index: the loser gets E11000 and tries again, now as an
   * update that applies only when it is newer, so no duplicate-key error reaches the caller.
   */
  async #writePositions(docs: PositionDocument[]): Promise<void> {
    // Reports no newer than the stored ones (a vehicle polled again, a batch run again after a
    // crash) are left out first, by one read of their ids: no write is sent that would not
    // apply, and the conditional upserts below fail only when another writer races.
    // New vehicles are inserted (an upsert that finds nothing scans the collection on FerretDB
    // 1.24); the others are updated only over an older report.
    let { pending, stored } = await this.#stillNewer(docs);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const ops: AnyBulkWriteOperation<PositionDocument>[] = pending.map(({ _id, ...fields }) =>
        stored.has(_id)
          ? {
              updateOne: {
                filter: { _id, ts: { $lt: fields.ts } },
                update: { $set: fields, ...unsetAbsentExtensions(fields) },
                upsert: true,
              },
            }
          : { insertOne: { document: { _id, ...fields } } },
      );
      try {
        await bulkWriteInParts(this.#positions, ops);
        return;
      } catch (err) {
        // A stored report at least as new makes the upsert try an insert, which the unique
        // index refuses with E11000: that report stays, as SPEC 3 wants.
        // Anything else (a lost connection, a write-concern error) goes to the caller.
        if (!(err instanceof MongoBulkWriteError)) throw err;
        const errors = [err.writeErrors].flat();
        if (errors.length === 0 || errors.some((e) => e.code !== DUPLICATE_KEY)) throw err;
        if (err.result.getWriteConcernError() !== undefined) throw err;
        // Some servers (FerretDB) stop an unordered bulk at its first error, so every write of
        // this one is checked again, not only those the error names.
        if (attempt >= 4) {
          throw new StoreError(
            `positions kept racing with other writers after ${attempt + 1} tries`,
            {
              cause: err,
              retriable: true,
            },
          );
        }
        ({ pending, stored } = await this.#stillNewer(pending));
      }
    }
  }

  /**
   * Of positions, those newer than what is stored now (all of them for new vehicles), and the
   * ids of those stored.
   */
  async #stillNewer(
    docs: PositionDocument[],
  ): Promise<{ pending: PositionDocument[]; stored: Set<string> }> {
    const found = await this.#positions
      .find({ _id: { $in: docs.map((d) => d._id) } })
      .project<{ _id: string; ts: Date }>({ ts: 1 })
      .toArray();
    const newest = new Map(found.map((s) => [s._id, s.ts.getTime()]));
    return {
      pending: docs.filter((d) => d.ts.getTime() > (newest.get(d._id) ?? -Infinity)),
      stored: new Set(newest.keys()),
    };
  }

  /**
   * Inserts a batch's dead letters, ordered by `commitSeq` (a counter shared by all engines of
   * the database) and their place in the batch, not by the wall clock, which can tie or step
   * back; then prunes the oldest beyond the limit.
   */
  async #writeDeadLetters(commit: BatchCommit, commitSeq: number): Promise<void> {
    const { engineId, batchId } = commit.checkpoint;
    const at = new Date();
    await bulkWriteInParts(
      this.#deadLetters,
      commit.deadLetters.map((d, seq) => {
        const doc: Omit<DeadLetterDocument, '_id'> = {
          reason: d.reason,
          detail: d.detail,
          raw: d.raw,
          at,
          commitSeq,
          seq,
          ...(d.provider === undefined ? {} : { provider: d.provider }),
        };
        // The id names the batch, so a batch run again after a crash inserts nothing new.
        return {
          updateOne: {
            filter: { _id: `${engineId}:${batchId}:${seq}` },
            update: { $setOnInsert: doc },
            upsert: true,
          },
        };
      }),
    );

    // Limitation: only the newest deadLetterLimit dead letters are kept (100,000 by default), so
    // that a feed of bad messages cannot fill the disk; their counts stay in the counters.
    const cut = await this.#deadLetters
      .find({}, { projection: { commitSeq: 1, seq: 1 } })
      .sort({ commitSeq: -1, seq: -1 })
      .skip(this.#deadLetterLimit)
      .limit(1)
      .next();
    if (cut !== null) {
      const pruned = await this.#deadLetters.deleteMany({
        $or: [
          { commitSeq: { $lt: cut.commitSeq } },
          { commitSeq: cut.commitSeq, seq: { $lte: cut.seq } },
        ],
      });
      log.debug(
        { pruned: pruned.deletedCount, keep: this.#deadLetterLimit },
        'dead letters pruned',
      );
    }
  }

  /**
   * A number that grows with every commit of any engine, to tell which committed last. Two
   * writers creating the counter at once race on its `_id`: the loser's E11000 means the counter
   * now exists, and its second try increments it (MongoDB retries such an upsert itself; FerretDB
   * does not).
   */
  async #nextCommitSeq(): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const counter = await this.#checkpoints.findOneAndUpdate(
          { _id: '~commit-seq' },
          { $inc: { commitSeq: 1 } },
          { upsert: true, returnDocument: 'after' },
        );
        return counter?.commitSeq ?? 1;
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY) || attempt >= 3) {
          throw err;
        }
      }
    }
  }

  async savePlan(engineId: string, plan: BatchPlan): Promise<void> {
    await this.#guard(`save plan of batch ${plan.batchId} of engine "${engineId}"`, () =>
      this.#checkpoints.updateOne(
        { _id: engineId },
        { $set: { plan: JSON.stringify(plan) } },
        { upsert: true },
      ),
    );
  }

  async loadPlan(engineId: string): Promise<BatchPlan | null> {
    const doc = await this.#guard(`load plan of engine "${engineId}"`, () =>
      this.#checkpoints.findOne({ _id: engineId }),
    );
    return doc?.plan == null ? null : (JSON.parse(doc.plan) as BatchPlan);
  }

  async loadCheckpoint(engineId: string): Promise<Checkpoint | null> {
    const doc = await this.#guard(`load checkpoint of engine "${engineId}"`, () =>
      this.#checkpoints.findOne({ _id: engineId }),
    );
    if (doc?.batchId == null || doc.position == null || doc.state == null) return null;
    return {
      engineId,
      batchId: doc.batchId,
      position: JSON.parse(doc.position) as Checkpoint['position'],
      state: doc.state,
    };
  }

  async readStats(engineId?: string): Promise<EngineStats | null> {
    const doc = await this.#guard('read stats', () =>
      engineId === undefined
        ? this.#checkpoints
            .find({ stats: { $exists: true } })
            .sort({ commitSeq: -1 })
            .limit(1)
            .next()
        : this.#checkpoints.findOne({ _id: engineId }),
    );
    return doc?.stats == null ? null : (JSON.parse(doc.stats) as EngineStats);
  }

  async readDeadLetters(limit: number): Promise<DeadLetter[]> {
    validateCount('limit', limit);
    if (limit === 0) return [];
    const docs = await this.#guard('read dead letters', () =>
      this.#deadLetters.find({}).sort({ commitSeq: -1, seq: -1 }).limit(limit).toArray(),
    );
    return docs.map(deadLetterFromDocument);
  }

  async readLatestTiles(query: MapQuery): Promise<TilePage> {
    return this.#guard('read latest tiles', () => findLatestTiles(this.#tiles, query));
  }

  async readTileRange(query: MapQuery & { minutes: number }): Promise<TilePage> {
    return this.#guard('read tile range', () => findTileRange(this.#tiles, query));
  }

  async readPositions(query: MapQuery & { maxAgeSec: number }): Promise<PositionPage> {
    return this.#guard('read positions', () => findPositions(this.#positions, query));
  }

  /**
   * Deletes tiles whose staleAt is at or before `clockMs` (the stream's clock). A TTL index,
   * where the server has one, also deletes them on the server's own clock.
   */
  async sweepExpired(clockMs: number): Promise<number> {
    if (!Number.isFinite(clockMs)) throw new StoreError(`clockMs must be finite, got ${clockMs}`);
    const result = await this.#guard('sweep expired tiles', () =>
      this.#tiles.deleteMany({ staleAt: { $lte: new Date(clockMs) } }),
    );
    return result.deletedCount;
  }

  async health(): Promise<StoreHealth> {
    try {
      await this.#db.command({ ping: 1 });
      return { ok: true, kind: this.kind, detail: `${this.features.server} at ${this.#where}` };
    } catch (err) {
      return { ok: false, kind: this.kind, detail: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close();
    log.info({ where: this.#where }, 'store closed');
  }

  async #guard<T>(action: string, step: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError(`cannot ${action}: the store ${this.#where} is closed`);
    try {
      return await step();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError(`cannot ${action} in ${this.#where}: ${(err as Error).message}`, {
        cause: err,
        retriable: isRetriableMongoError(err),
      });
    }
  }
}

/**
 * Connects, creates the indexes (no manual shell step) and opens the store.
 *
 * @param opts - MONGO_URI, MONGO_DB and timeouts
 * @returns the store, with the features the server has
 * @throws StoreError, retriable, when no server answers within the selection timeout
 */
export async function openMongoStore(opts: MongoStoreOptions): Promise<MongoStore> {
  const where = `${redactMongoUri(opts.uri)}/${opts.db}`;
  validateCount('deadLetterLimit', opts.deadLetterLimit ?? DEFAULT_DEAD_LETTER_LIMIT);
  let client: MongoClient;
  try {
    client = new MongoClient(opts.uri, {
      serverSelectionTimeoutMS: opts.serverSelectionTimeoutMs ?? 10_000,
      appName: 'mobility-heatmap',
    });
  } catch (err) {
    throw new StoreError(`MONGO_URI ${where} is not a MongoDB URI: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    await client.connect();
    const db = client.db(opts.db);
    const features = await ensureMongoSchema(db, log, opts.readonly === true);
    log.info({ where, ...features }, 'store opened');
    return new MongoStore(
      client,
      db,
      features,
      where,
      opts.deadLetterLimit ?? DEFAULT_DEAD_LETTER_LIMIT,
    );
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new StoreError(
      `cannot open the MongoDB store at ${where}: ${(err as Error).message}; is the server running (make ferretdb, or a MongoDB 6+), and is MONGO_URI right?`,
      { cause: err, retriable: isRetriableMongoError(err) },
    );
  }
}

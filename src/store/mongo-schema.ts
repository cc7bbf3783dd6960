/**
 * The collections and indexes of the MongoDB store (SPEC 7), created at start-up, and what the
 * server turned out to lack. MongoDB 6+ has everything; a MongoDB-wire server such as FerretDB
 * 1.24 refuses TTL and 2dsphere indexes and has no change streams. Each gap is logged once, and
 * the store falls back: a sweep deletes stale tiles, the API builds polygons and filters boxes on
 * plain coordinates, pages poll.
 */
import {
  MongoNetworkError,
  MongoServerSelectionError,
  type Db,
  type IndexDescription,
  type IndexDescriptionInfo,
} from 'mongodb';
import type { Logger } from '../logger.js';

/** Collection names, as the original design has them. */
export const COLLECTIONS = {
  tiles: 'tiles',
  positions: 'positions_latest',
  checkpoints: 'checkpoints',
  deadLetters: 'dead_letters',
} as const;

/** What the server can do beyond plain indexes. */
export interface MongoFeatures {
  /** A TTL index on `tiles.staleAt` deletes stale tiles on the server's clock. */
  ttl: boolean;
  /** 2dsphere indexes on `tiles.centroid` and `positions_latest.loc`. */
  geo: boolean;
  /** Change streams (a replica set or sharded cluster of real MongoDB). */
  changeStreams: boolean;
  /** The server's own name for itself, e.g. `MongoDB 7.0.5` or `FerretDB v1.24.2`. */
  server: string;
}

/** Indexes every MongoDB-wire server builds. */
const PLAIN_INDEXES: Record<string, IndexDescription[]> = {
  [COLLECTIONS.tiles]: [
    {
      key: { provider: 1, grid: 1, cellId: 1, windowStart: 1 },
      name: 'tile_identity',
      unique: true,
    },
    { key: { grid: 1, windowStart: -1 }, name: 'grid_window_start' },
    { key: { provider: 1, windowStart: -1 }, name: 'provider_window_start' },
    { key: { windowEnd: -1 }, name: 'window_end' },
    { key: { lat: 1, lon: 1 }, name: 'lat_lon' },
  ],
  [COLLECTIONS.positions]: [
    { key: { provider: 1, vehicleId: 1 }, name: 'vehicle_identity', unique: true },
    { key: { ts: -1 }, name: 'ts_desc' },
    { key: { lat: 1, lon: 1 }, name: 'lat_lon' },
  ],
  [COLLECTIONS.deadLetters]: [{ key: { commitSeq: -1, seq: -1 }, name: 'newest_first' }],
};

async function serverName(db: Db): Promise<{ name: string; ferret: boolean; replica: boolean }> {
  const info = await db.admin().command({ buildInfo: 1 });
  const hello = await db.admin().command({ hello: 1 });
  // FerretDB answers buildInfo with a MongoDB-like `version` and its own `ferretdbVersion`
  // (1.24; some releases nest it in a `ferretdb` section instead).
  const ferretVersion =
    typeof info.ferretdbVersion === 'string'
      ? info.ferretdbVersion
      : (info.ferretdb as { version?: string } | undefined)?.version;
  const ferret = ferretVersion !== undefined || info.ferretdb !== undefined;
  const version = ferret ? `FerretDB ${ferretVersion ?? '?'}` : `MongoDB ${String(info.version)}`;
  const replica = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
  return { name: version, ferret, replica };
}

/**
 * Whether an index error means "this server has no such kind of index" rather than a failure
 * to report: a lost connection, missing rights or a conflicting index must stop the start-up.
 */
function isMissingFeature(err: unknown): boolean {
  if (err instanceof MongoNetworkError || err instanceof MongoServerSelectionError) return false;
  const code = (err as { code?: unknown }).code;
  // Unauthorized, AuthenticationFailed, IndexOptionsConflict, IndexKeySpecsConflict.
  return !(typeof code === 'number' && [13, 18, 85, 86].includes(code));
}

/** Creates one optional index; false when the server refuses that kind of index. */
async function tryIndex(
  db: Db,
  collection: string,
  index: IndexDescription,
  fallback: string,
  logger: Logger,
): Promise<boolean> {
  try {
    await db.collection(collection).createIndexes([index]);
    return true;
  } catch (err) {
    if (!isMissingFeature(err)) throw err;
    logger.warn({ collection, index: index.name, fallback, err }, 'index not supported');
    return false;
  }
}

/** The features of a store opened read-only: what its indexes show, nothing created. */
async function featuresFromIndexes(
  db: Db,
  server: { name: string; ferret: boolean; replica: boolean },
): Promise<MongoFeatures> {
  const names = async (collection: string): Promise<IndexDescriptionInfo[]> => {
    try {
      return (await db.collection(collection).listIndexes().toArray()) as IndexDescriptionInfo[];
    } catch {
      return []; // the collection does not exist yet
    }
  };
  const tiles = await names(COLLECTIONS.tiles);
  const positions = await names(COLLECTIONS.positions);
  const has2dsphere = (list: IndexDescriptionInfo[]): boolean =>
    list.some((i) => Object.values(i.key).includes('2dsphere'));
  return {
    ttl: tiles.some((i) => i.expireAfterSeconds !== undefined),
    geo: has2dsphere(tiles) && has2dsphere(positions),
    changeStreams: server.replica && !server.ferret,
    server: server.name,
  };
}

/**
 * Creates the collections' indexes and finds what the server lacks; safe to run at every start.
 *
 * @param db - the database of MONGO_DB
 * @param logger - where each missing feature is said, once
 * @param readonly - for API servers: create nothing, read the features off the indexes
 * @returns the features found
 * @throws the driver's error when a plain index cannot be created
 */
export async function ensureMongoSchema(
  db: Db,
  logger: Logger,
  readonly = false,
): Promise<MongoFeatures> {
  const server = await serverName(db);
  if (readonly) return featuresFromIndexes(db, server);

  // One index per call: FerretDB 1.24 drops the connection (a panic in its handler) when one
  // createIndexes call names several indexes that already exist, as every restart does.
  for (const [collection, indexes] of Object.entries(PLAIN_INDEXES)) {
    for (const index of indexes) await db.collection(collection).createIndexes([index]);
  }

  // Limitation: a TTL index expires on the server's wall clock, while the engine's sweep follows
  // the stream's clock; a replay kept at its original (old) times loses its tiles to the TTL
  // monitor within a minute on real MongoDB. Rebased replays and live feeds are unaffected.
  const ttl = await tryIndex(
    db,
    COLLECTIONS.tiles,
    { key: { staleAt: 1 }, name: 'stale_at_ttl', expireAfterSeconds: 0 },
    'stale tiles are deleted by a sweep after each batch',
    logger,
  );
  if (!ttl) {
    await db
      .collection(COLLECTIONS.tiles)
      .createIndexes([{ key: { staleAt: 1 }, name: 'stale_at' }]);
  }
  const geoTiles = await tryIndex(
    db,
    COLLECTIONS.tiles,
    { key: { centroid: '2dsphere' }, name: 'centroid_2dsphere' },
    'boxes are filtered on the plain lon/lat fields',
    logger,
  );
  const geoPositions =
    geoTiles &&
    (await tryIndex(
      db,
      COLLECTIONS.positions,
      { key: { loc: '2dsphere' }, name: 'loc_2dsphere' },
      'boxes are filtered on the plain lon/lat fields',
      logger,
    ));

  // Limitation: change streams are detected but not used yet; pages poll every REFRESH_MS on
  // every server, so a server without them loses nothing today.
  const changeStreams = server.replica && !server.ferret;
  if (!changeStreams) {
    logger.info({ server: server.name, fallback: 'pages poll' }, 'no change streams');
  }
  return { ttl, geo: geoTiles && geoPositions, changeStreams, server: server.name };
}

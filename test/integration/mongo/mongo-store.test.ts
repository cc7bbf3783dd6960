/**
 * The store contract on a real MongoDB-wire server (FerretDB in CI), each case on a database of
 * its own, then what only this store shows: the features it found and fell back from, positions
 * that never move back in time under concurrent writers, and a clear error without a server.
 */
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { PositionEvent } from '../../../src/event/position-event.js';
import { mulberry32 } from '../../../src/sources/simulator.js';
import { openMongoStore, redactMongoUri, type MongoStore } from '../../../src/store/mongo-store.js';
import { emptyStats, type BatchCommit } from '../../../src/store/store.js';
import { freshDatabase, MONGO_SKIP_NOTE, MONGO_TEST_URI } from '../../support/mongo.js';
import { runStoreContract } from '../../store/store-contract.js';

const uri = MONGO_TEST_URI ?? 'mongodb://127.0.0.1:1';
const created: string[] = [];

async function freshStore(what: string): Promise<MongoStore> {
  const db = freshDatabase(what);
  created.push(db);
  return openMongoStore({ uri, db, serverSelectionTimeoutMs: 5000 });
}

afterAll(async () => {
  if (MONGO_TEST_URI === undefined || created.length === 0) return;
  const client = new MongoClient(uri);
  try {
    for (const db of created) await client.db(db).dropDatabase();
  } finally {
    await client.close();
  }
});

function commitOf(positions: PositionEvent[], batchId: number, engineId = 'race'): BatchCommit {
  return {
    tiles: [],
    positions,
    deadLetters: [],
    checkpoint: { engineId, batchId, position: { '0': batchId }, state: '{}' },
    stats: emptyStats(),
  };
}

describe.skipIf(MONGO_TEST_URI === undefined)(`MongoDB (${MONGO_SKIP_NOTE})`, () => {
  runStoreContract('MongoStore', () => freshStore('contract'));

  it('says what the server lacks and still works', async () => {
    const store = await freshStore('features');
    try {
      // make test runs FerretDB (and says so in FERRETDB_PORT); elsewhere any MongoDB will do.
      if (process.env.FERRETDB_PORT !== undefined) {
        expect(store.features.server).toMatch(/^FerretDB v1\./);
        expect(store.features).toMatchObject({ ttl: false, geo: false, changeStreams: false });
      } else {
        expect(store.features.server).toMatch(/FerretDB|MongoDB/);
      }
      expect(await store.health()).toMatchObject({ ok: true, kind: 'mongodb' });
    } finally {
      await store.close();
    }
  });

  it('opens again on a database that has its indexes and data, as a restart does', async () => {
    const first = await freshStore('reopen');
    const db = created[created.length - 1]!;
    const report: PositionEvent = {
      provider: 'mbta',
      vehicleId: 'y1',
      lat: 42.35,
      lon: -71.06,
      tsMs: Date.UTC(2019, 2, 13, 4, 30),
      speedKmh: 20,
      bearing: 90,
      accuracyM: null,
    };
    await first.commitBatch(commitOf([report], 1, 'reopen'));
    await first.close();
    const again = await Promise.all(
      [1, 2].map(() => openMongoStore({ uri, db, serverSelectionTimeoutMs: 5000 })),
    );
    try {
      expect(await again[0]!.loadCheckpoint('reopen')).toMatchObject({ batchId: 1 });
      const page = await again[1]!.readPositions({ limit: 10, maxAgeSec: 600 });
      expect(page.positions.map((p) => p.vehicleId)).toEqual(['y1']);
    } finally {
      await Promise.all(again.map((s) => s.close()));
    }
  });

  it('lets concurrent writers create the same new vehicles without a duplicate-key error', async () => {
    const writers = await Promise.all([1, 2, 3, 4].map(() => freshStore('insert-race')));
    await Promise.all(writers.slice(1).map((w) => w.close()));
    const db = created[created.length - 4]!;
    const same = await Promise.all(
      [1, 2, 3].map(() => openMongoStore({ uri, db, serverSelectionTimeoutMs: 5000 })),
    );
    const all = [writers[0]!, ...same];
    try {
      const base = Date.UTC(2019, 2, 13, 4, 30);
      // Every writer creates the same five vehicles at once, each with a report of its own time.
      await Promise.all(
        all.map((store, w) =>
          store.commitBatch(
            commitOf(
              [0, 1, 2, 3, 4].map((v) => ({
                provider: 'mbta',
                vehicleId: `n${v}`,
                lat: 42.35,
                lon: -71.06,
                tsMs: base + (w + 1) * 1000,
                speedKmh: null,
                bearing: null,
                accuracyM: null,
              })),
              1,
              `w${w}`,
            ),
          ),
        ),
      );
      const page = await all[0]!.readPositions({ limit: 100, maxAgeSec: 3600 });
      expect(page.positions.map((p) => p.vehicleId).sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    } finally {
      await Promise.all(all.map((s) => s.close()));
    }
  });

  // Limitation: FerretDB 1.24 applies a filtered update as a read and then a separate write, with
  // nothing in between to stop another writer, so two engines racing on one vehicle can leave the
  // older report there (seen in a CI rehearsal). MongoDB applies `{ts: {$lt}}` and the write atomically per
  // document. One engine per store, the normal deployment, writes one vehicle at a time and is
  // unaffected; the sequential out-of-order case of the contract suite runs on FerretDB too.
  it.skipIf(process.env.FERRETDB_PORT !== undefined)(
    'keeps the newest report when concurrent writers race on known vehicles (MongoDB only: FerretDB 1.24 does not isolate a filtered update)',
    async () => {
      const writers = await Promise.all([1, 2, 3, 4].map(() => freshStore('race')));
      // One database for all writers: reopen them on the first one's.
      await Promise.all(writers.slice(1).map((w) => w.close()));
      const db = created[created.length - 4]!;
      const same = await Promise.all(
        [1, 2, 3].map(() => openMongoStore({ uri, db, serverSelectionTimeoutMs: 5000 })),
      );
      const all = [writers[0]!, ...same];
      try {
        const base = Date.UTC(2019, 2, 13, 4, 30);
        const report = (v: number, s: number): PositionEvent => ({
          provider: 'mbta',
          vehicleId: `v${v}`,
          lat: 42.35 + s * 1e-4,
          lon: -71.06,
          tsMs: base + s * 1000,
          speedKmh: null,
          bearing: null,
          accuracyM: null,
          label: `second ${s}`,
        });
        // Each round, every writer sends every vehicle one report of its own second, all writers at
        // once, so that older reports race newer ones; the rounds' seconds interleave, so a round
        // can hold older reports than the one before it.
        const random = mulberry32(7);
        const newest = new Map<string, number>();
        for (let round = 0; round < 6; round++) {
          await Promise.all(
            all.map((store, w) => {
              const positions = [0, 1, 2, 3, 4].map((v) => {
                const second = Math.floor(random() * 40);
                const key = `v${v}`;
                newest.set(key, Math.max(newest.get(key) ?? -1, second));
                return report(v, second);
              });
              return store.commitBatch(commitOf(positions, round * 10 + w, `w${w}`));
            }),
          );
        }
        const page = await all[0]!.readPositions({ limit: 100, maxAgeSec: 3600 });
        expect(page.positions).toHaveLength(5);
        for (const p of page.positions) {
          expect(p.label, p.vehicleId).toBe(`second ${newest.get(p.vehicleId)}`);
        }
      } finally {
        await Promise.all(all.map((s) => s.close()));
      }
    },
  );
});

describe('openMongoStore without a server', () => {
  it('fails with a retriable StoreError that says what to check, without the password', async () => {
    await expect(
      openMongoStore({
        uri: 'mongodb://user:s3cret@127.0.0.1:1',
        db: 'x',
        serverSelectionTimeoutMs: 300,
      }),
    ).rejects.toMatchObject({
      code: 'HM_STORE',
      retriable: true,
      message: expect.not.stringContaining('s3cret'),
    });
    expect(redactMongoUri('mongodb://user:s3cret@host:27017')).toBe(
      'mongodb://user:***@host:27017',
    );
    expect(
      redactMongoUri(
        'mongodb+srv://u:p@h1,h2/db?authMechanismProperties=AWS_SESSION_TOKEN:tok&tls=true',
      ),
    ).toBe('mongodb+srv://u:***@h1,h2/db');
  });
});

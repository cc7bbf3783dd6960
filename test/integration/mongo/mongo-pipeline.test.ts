/**
 * The distributed profile with the MongoDB store, end to end on real servers: recordings replayed
 * through Kafka into `engine --store mongo` (FerretDB in CI), then the API over MongoDB answers
 * exactly as the API over the embedded profile (embedded log, SQLite) does for the same input,
 * route by route and filter by filter. An engine killed with SIGKILL mid-stream and restarted,
 * or a database server killed and restarted under a running engine, leaves MongoDB answering the
 * same again.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../../src/api/server.js';
import { openMongoStore } from '../../../src/store/mongo-store.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import type { Store } from '../../../src/store/store.js';
import { writeFleet } from '../../support/fleet.js';
import { freshTopic, KAFKA_SKIP_NOTE, KAFKA_TEST_BOOTSTRAP } from '../../support/kafka.js';
import {
  freshDatabase,
  MONGO_SKIP_NOTE,
  MONGO_TEST_URI,
  testMongoServer,
} from '../../support/mongo.js';
import { HAVE_RECORDINGS, recording, REPO_ROOT } from '../../support/recordings.js';
import { CLI, runCli } from '../cli-support.js';

const dir = mkdtempSync(join(tmpdir(), 'mh-mongo-'));
const databases: string[] = [];

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (MONGO_TEST_URI === undefined || databases.length === 0) return;
  const client = new MongoClient(MONGO_TEST_URI);
  try {
    for (const db of databases) await client.db(db).dropDatabase();
  } finally {
    await client.close();
  }
});

/** Nothing is late or expires, so any cut into micro-batches stores the same result. */
const WIDE = ['--watermark-seconds', '2592000', '--ttl-minutes', '525600'];

/** The fleet, and a snapshot of the MBTA feed six days before it (within the watermark). */
function inputs(): string[] {
  const own = writeFleet(dir);
  if (!HAVE_RECORDINGS) return [own];
  return [recording('mbta-gtfsrt/2022-11-16T161311Z_robertej19-CCMF_VehiclePositions.pb'), own];
}

/** Every route and filter whose answer must not depend on the store. */
const QUERIES = [
  '/api/tiles/latest',
  '/api/tiles/latest?provider=sim',
  '/api/tiles/latest?provider=air',
  '/api/tiles/latest?bbox=-71.2,42.2,-71.0,42.4',
  '/api/tiles/latest?bbox=170,-90,-170,90',
  '/api/tiles/latest?limit=3',
  '/api/tiles/range?minutes=15',
  '/api/tiles/range?minutes=1440&provider=sim,gtfsrt.mbta',
  '/api/tiles/range?minutes=60&bbox=170,-90,-170,90',
  '/api/positions/latest',
  '/api/positions/latest?maxAgeSec=86400',
  '/api/positions/latest?maxAgeSec=86400&provider=air',
  '/api/positions/latest?maxAgeSec=86400&bbox=-71.2,42.2,-71.0,42.4&limit=5',
  '/api/tiles/latest?bbox=1,2,3',
  '/api/positions/latest?provider=BAD!',
];

/** The answers of the API over `store`, less what is about batching or the wall clock. */
async function answersOf(store: Store): Promise<Record<string, unknown>> {
  const api: FastifyInstance = await buildApiServer({
    store,
    logger: false,
    now: () => Date.parse('2030-01-01T00:00:00Z'),
  });
  try {
    const answers: Record<string, unknown> = {};
    for (const url of [...QUERIES, '/api/stats']) {
      const res = await api.inject({ method: 'GET', url });
      const body = res.json() as Record<string, unknown>;
      if (url === '/api/stats') {
        delete body.batches;
        delete body.lastBatchAt;
      }
      answers[url] = { status: res.statusCode, body };
    }
    return answers;
  } finally {
    await api.close();
  }
}

const env = { KAFKA_BOOTSTRAP: KAFKA_TEST_BOOTSTRAP ?? '' };

function mongoArgs(topic: string, db: string, extra: string[]): string[] {
  const kafka = ['--log', 'kafka', '--kafka-topic', topic];
  return ['engine', ...kafka, '--store', 'mongo', '--mongo-uri', MONGO_TEST_URI!, '--mongo-db', db]
    .concat(extra)
    .concat(WIDE);
}

async function mongoAnswers(db: string): Promise<Record<string, unknown>> {
  const store = await openMongoStore({ uri: MONGO_TEST_URI!, db });
  try {
    return await answersOf(store);
  } finally {
    await store.close();
  }
}

describe.skipIf(MONGO_TEST_URI === undefined || KAFKA_TEST_BOOTSTRAP === undefined)(
  `Kafka to MongoDB (${MONGO_SKIP_NOTE}; ${KAFKA_SKIP_NOTE})`,
  () => {
    const files = inputs();
    let embedded: Record<string, unknown>;
    let topic: string;

    it('answers as the embedded profile does for the same input', async () => {
      // Stage 1: the embedded profile, as `make demo` runs it but to its end.
      const sqlite = join(dir, 'embedded.sqlite');
      const replay = ['--as-fast-as-possible', '--original-times', '--no-loop'];
      const produced = await runCli(['produce', 'replay', ...replay, '--db', sqlite, ...files]);
      expect(produced.code, produced.stderr).toBe(0);
      const ran = await runCli(['engine', '--db', sqlite, '--until-idle', ...WIDE]);
      expect(ran.code, ran.stderr).toBe(0);
      const store = openSqliteStore(sqlite, { readonly: true });
      try {
        embedded = await answersOf(store);
      } finally {
        await store.close();
      }
      const latest = embedded['/api/tiles/latest'] as { body: { features: unknown[] } };
      expect(latest.body.features.length).toBeGreaterThan(10);

      // Stage 2: the same files through Kafka into MongoDB.
      topic = freshTopic('mongo');
      const kafka = ['--log', 'kafka', '--kafka-topic', topic];
      const published = await runCli(['produce', 'replay', ...kafka, ...replay, ...files], env);
      expect(published.code, published.stderr).toBe(0);
      const db = freshDatabase('pipeline');
      databases.push(db);
      const engine = await runCli(
        mongoArgs(topic, db, ['--until-idle', '--trigger-ms', '10']),
        env,
      );
      expect(engine.code, engine.stderr).toBe(0);

      // Stage 3: route by route, the same answers.
      const mongo = await mongoAnswers(db);
      for (const url of Object.keys(embedded)) expect(mongo[url], url).toEqual(embedded[url]);
    });

    it('answers the same after the engine is killed with SIGKILL mid-stream and restarted', async () => {
      expect(embedded, 'the first case computes the expected answers').toBeDefined();
      const db = freshDatabase('restart');
      databases.push(db);
      const args = mongoArgs(topic, db, ['--until-idle', '--trigger-ms', '10']);
      args.push('--max-batch-records', '100');

      let kills = 0;
      let finished = false;
      for (let attempt = 0; attempt < 40 && !finished; attempt++) {
        const child = spawn(process.execPath, [CLI, ...args], {
          cwd: REPO_ROOT,
          env: { ...process.env, LOG_LEVEL: 'warn', ...env },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), 1200 + attempt * 250);
        const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
        clearTimeout(timer);
        if (code === 0) finished = true;
        else kills++;
      }
      expect(finished).toBe(true);
      expect(kills).toBeGreaterThanOrEqual(2);

      const mongo = await mongoAnswers(db);
      for (const url of Object.keys(embedded)) expect(mongo[url], url).toEqual(embedded[url]);
    });

    it('loses no batch when the database server is killed and restarted under the engine', async () => {
      expect(embedded, 'the first case computes the expected answers').toBeDefined();
      const db = freshDatabase('outage');
      databases.push(db);
      const args = mongoArgs(topic, db, ['--until-idle', '--trigger-ms', '10']);
      args.push('--max-batch-records', '100');
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

      // The engine is under way when the server dies, and stays down longer than the driver
      // waits for a server (10 s), so that calls fail and must be retried, not only delayed.
      try {
        await new Promise((r) => setTimeout(r, 2500));
        expect(child.exitCode, 'the engine is still running when the server dies').toBeNull();
        testMongoServer('kill');
        await new Promise((r) => setTimeout(r, 11_000));
      } finally {
        testMongoServer('start');
      }
      expect(await exited, stderr).toBe(0);
      expect(stderr).toMatch(/"msg":"retrying"/);

      const mongo = await mongoAnswers(db);
      for (const url of Object.keys(embedded)) expect(mongo[url], url).toEqual(embedded[url]);
    });
  },
);

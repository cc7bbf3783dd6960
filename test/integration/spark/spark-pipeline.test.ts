/**
 * The PySpark job against the TypeScript engine on real servers: recordings replayed into a
 * Kafka topic, read once by `engine --store mongo` and once by the streaming job
 * (spark/heatmap_stream.py), each into its own database of the test's FerretDB; both must store
 * the same tiles, positions and dead letters, and the API must answer the same over both. A job
 * killed with SIGKILL mid-stream and run again on its checkpoint must store the same again.
 *
 * Needs the broker, FerretDB and the job's virtual environment, which `make test` provides
 * (SPARK_TEST_PYTHON names the venv's python after spark/setup.sh).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer } from '@platformatic/kafka';
import { type Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../../src/api/server.js';
import { openMongoStore } from '../../../src/store/mongo-store.js';
import { writeFleet } from '../../support/fleet.js';
import { freshTopic, KAFKA_SKIP_NOTE, KAFKA_TEST_BOOTSTRAP } from '../../support/kafka.js';
import { freshDatabase, MONGO_SKIP_NOTE, MONGO_TEST_URI } from '../../support/mongo.js';
import { HAVE_RECORDINGS, recording, REPO_ROOT } from '../../support/recordings.js';
import { runCli } from '../cli-support.js';

/** The job's interpreter (spark/.venv/bin/python), or undefined when the venv was not made. */
const SPARK_PYTHON = process.env.SPARK_TEST_PYTHON || undefined;
const SPARK_SKIP_NOTE = 'skipped when SPARK_TEST_PYTHON is unset: make test runs spark/setup.sh';
const JOB = join(REPO_ROOT, 'spark/heatmap_stream.py');

const dir = mkdtempSync(join(tmpdir(), 'mh-spark-'));
const databases: string[] = [];
let client: MongoClient | undefined;

/** Jobs still running, killed when the file ends (a failed case may leave one behind). */
const running = new Set<() => void>();

afterAll(async () => {
  for (const kill of running) kill();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  if (client === undefined) return;
  try {
    for (const db of databases) await client.db(db).dropDatabase();
  } finally {
    await client.close();
  }
});

/** Nothing in the inputs is late or stale, whatever the micro-batches of either engine. */
const SETTINGS = ['--watermark-seconds', '2592000', '--ttl-minutes', '525600'];

/**
 * A snapshot of the MBTA feed and, six days later, the hand-written fleet with its bad lines and
 * re-sent reports. Producers turn every provider's format into events before Kafka, so the job
 * reads events and source rejections whatever the recordings were.
 */
function inputs(): string[] {
  const fleet = writeFleet(dir, { ticks: 12 });
  if (!HAVE_RECORDINGS) return [fleet];
  return [recording('mbta-gtfsrt/2022-11-16T161311Z_robertej19-CCMF_VehiclePositions.pb'), fleet];
}

const env = { KAFKA_BOOTSTRAP: KAFKA_TEST_BOOTSTRAP ?? '' };

/**
 * Appends a source rejection whose reason header is not UTF-8, as a broken producer may send it.
 * Each engine must keep it as a `decode_error` dead letter; a cast of the header to text in
 * Spark once handed Arrow bytes it refused, and the job failed on every start.
 */
async function appendBadHeader(topic: string): Promise<void> {
  const producer = new Producer({
    clientId: 'spark-test',
    bootstrapBrokers: [KAFKA_TEST_BOOTSTRAP!],
  });
  try {
    const headers = new Map([
      [Buffer.from('mh-reject-reason'), Buffer.from([0x6e, 0xff, 0xfe, 0xc3])],
      [Buffer.from('mh-reject-detail'), Buffer.from([0xe2, 0x82])],
    ]);
    const value = Buffer.from('{"provider":"sim","vehicleId":"bad-header"}');
    await producer.send({
      messages: [{ topic, key: Buffer.from('sim:bad-header'), value, headers }],
    });
  } finally {
    await producer.close();
  }
}

/** The job's command line on `topic` into `db`, with its checkpoint in `checkpoint`. */
function jobArgs(topic: string, db: string, checkpoint: string, extra: string[]): string[] {
  return [JOB, 'stream', '--master', 'local[2]', '--shuffle-partitions', '2']
    .concat(['--bootstrap', KAFKA_TEST_BOOTSTRAP!, '--topic', topic])
    .concat(['--mongo-uri', MONGO_TEST_URI!, '--mongo-db', db, '--checkpoint', checkpoint])
    .concat(SETTINGS, extra);
}

/**
 * Starts the job in a process group of its own (the Python driver and the JVM it launches), so
 * that a SIGKILL reaches both, as a crash of the machine would.
 */
function startJob(args: string[]): { kill: () => void; exited: Promise<number | null> } {
  const child = spawn(SPARK_PYTHON!, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', SPARK_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`the job exited ${code}: ${stderr}`));
      else resolve(code);
    });
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  };
  running.add(kill);
  child.on('exit', () => running.delete(kill));
  return { kill, exited };
}

/** The parts of a store the engines must agree on. */
const PARTS = ['tiles', 'positions', 'deadLetters'] as const;
type Stored = Record<(typeof PARTS)[number], Document[]>;

/**
 * What a database holds, in a fixed order. Dead letters are compared without their time and
 * order, and without their detail: a JSON parser's message is in its own words in each language.
 */
async function storedIn(db: string): Promise<Stored> {
  const mongo = client!.db(db);
  const byId = { sort: { _id: 1 } } as const;
  const letters = await mongo
    .collection('dead_letters')
    .find({}, { projection: { _id: 0, reason: 1, raw: 1, provider: 1 } })
    .toArray();
  const key = (d: Document): string => JSON.stringify([d.reason, d.raw, d.provider]);
  return {
    tiles: await mongo.collection('tiles').find({}, byId).toArray(),
    positions: await mongo.collection('positions_latest').find({}, byId).toArray(),
    deadLetters: letters.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)),
  };
}

/** The API's answers over a database, on the map routes and the counters. */
async function answersOf(db: string): Promise<Record<string, unknown>> {
  const store = await openMongoStore({ uri: MONGO_TEST_URI!, db, readonly: true });
  const api = await buildApiServer({ store, logger: false, now: () => Date.parse('2030-01-01') });
  try {
    const answers: Record<string, unknown> = {};
    for (const url of [
      '/api/tiles/latest',
      '/api/tiles/range?minutes=1440&provider=sim,air',
      '/api/positions/latest?maxAgeSec=86400',
      '/api/tiles/latest?bbox=170,-90,-170,90',
    ]) {
      answers[url] = (await api.inject({ method: 'GET', url })).json();
    }
    const stats = (await api.inject({ method: 'GET', url: '/api/stats' })).json();
    answers.counters = [stats.accepted, stats.duplicates, stats.late, stats.rejected];
    return answers;
  } finally {
    await api.close();
    await store.close();
  }
}

describe.skipIf(
  MONGO_TEST_URI === undefined || KAFKA_TEST_BOOTSTRAP === undefined || SPARK_PYTHON === undefined,
)(
  `the PySpark job through Kafka into MongoDB (${MONGO_SKIP_NOTE}; ${KAFKA_SKIP_NOTE}; ${SPARK_SKIP_NOTE})`,
  () => {
    let topic: string;
    let expected: Stored;
    let expectedAnswers: Record<string, unknown>;

    beforeAll(async () => {
      client = new MongoClient(MONGO_TEST_URI!);
      topic = freshTopic('spark');
      const replay = ['--log', 'kafka', '--kafka-topic', topic, '--as-fast-as-possible'];
      replay.push('--original-times', '--no-loop');
      const published = await runCli(['produce', 'replay', ...replay, ...inputs()], env);
      expect(published.code, published.stderr).toBe(0);
      await appendBadHeader(topic);

      // What the TypeScript engine stores from the topic: the reference.
      const db = freshDatabase('spark_ts');
      databases.push(db);
      const engine = ['engine', '--log', 'kafka', '--kafka-topic', topic, '--store', 'mongo'];
      engine.push('--mongo-uri', MONGO_TEST_URI!, '--mongo-db', db, '--until-idle', ...SETTINGS);
      const ran = await runCli(engine, env);
      expect(ran.code, ran.stderr).toBe(0);
      expected = await storedIn(db);
      expectedAnswers = await answersOf(db);
      expect(expected.tiles.length).toBeGreaterThan(50);
      expect(new Set(expected.positions.map((p) => p.provider)).size).toBe(HAVE_RECORDINGS ? 3 : 2);
      expect(expected.deadLetters.length).toBeGreaterThan(10);
      const badHeader = expected.deadLetters.filter((d) => d.raw.includes('bad-header'));
      expect(badHeader.map((d) => d.reason)).toEqual(['decode_error']);
    });

    it('stores what the TypeScript engine stores, and the API answers the same', async () => {
      const db = freshDatabase('spark_job');
      databases.push(db);
      const job = startJob(jobArgs(topic, db, join(dir, 'checkpoint-once'), ['--available-now']));
      expect(await job.exited).toBe(0);
      const stored = await storedIn(db);
      for (const part of PARTS) expect(stored[part], part).toEqual(expected[part]);
      expect(await answersOf(db)).toEqual(expectedAnswers);

      // A new checkpoint numbers its micro-batches from 0 again: it reads the topic again, and
      // its dead letters join the first run's rather than vanish under the same ids.
      const again = startJob(jobArgs(topic, db, join(dir, 'checkpoint-new'), ['--available-now']));
      expect(await again.exited).toBe(0);
      const twice = await storedIn(db);
      expect(twice.tiles).toEqual(expected.tiles);
      expect(twice.positions).toEqual(expected.positions);
      expect(twice.deadLetters).toEqual(expected.deadLetters.flatMap((letter) => [letter, letter]));
    }, 420_000);

    it('stores the same after a SIGKILL mid-stream and a restart from its checkpoint', async () => {
      const db = freshDatabase('spark_kill');
      databases.push(db);
      const checkpoint = join(dir, 'checkpoint-killed');
      const small = ['--max-offsets-per-trigger', '150', '--trigger-seconds', '1'];

      // Stage: run until the events query has committed a micro-batch and started the next
      // (its offsets written, its commit not), then kill the job inside that micro-batch.
      const first = startJob(jobArgs(topic, db, checkpoint, small));
      let ended: unknown;
      first.exited.then(
        (code) => (ended = `it exited ${code}`),
        (err: unknown) => (ended = err),
      );
      const batchesIn = (folder: string): Set<string> => {
        const path = join(checkpoint, 'events', folder);
        return new Set(existsSync(path) ? readdirSync(path).filter((f) => /^\d+$/.test(f)) : []);
      };
      const inFlight = (): string | undefined => {
        const commits = batchesIn('commits');
        if (commits.size === 0) return undefined;
        return [...batchesIn('offsets')].find((n) => !commits.has(n));
      };
      const deadline = Date.now() + 240_000;
      let killedIn: string | undefined;
      while ((killedIn = inFlight()) === undefined) {
        if (ended !== undefined) throw new Error(`the job ended before the kill: ${String(ended)}`);
        expect(Date.now(), 'a second micro-batch starts within 240 s').toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 50));
      }
      first.kill();
      await first.exited;
      expect(existsSync(join(checkpoint, 'events', 'commits', killedIn))).toBe(false);

      // Stage: the same command again, to the end of the topic; it runs that micro-batch again.
      const second = startJob(jobArgs(topic, db, checkpoint, [...small, '--available-now']));
      expect(await second.exited).toBe(0);
      expect(existsSync(join(checkpoint, 'events', 'commits', killedIn))).toBe(true);
      const stored = await storedIn(db);
      for (const part of PARTS) expect(stored[part], part).toEqual(expected[part]);
    }, 420_000);
  },
);

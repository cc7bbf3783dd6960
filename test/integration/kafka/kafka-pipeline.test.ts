/**
 * The distributed transport end to end on a real broker: recordings replayed by `produce --log
 * kafka` into a topic, consumed by `engine --log kafka` into the SQLite store. The stored tiles and
 * positions equal those of `aggregate` on the same files; an engine killed with SIGKILL at several
 * points and restarted stores exactly what an uninterrupted one does; a broker stopped and
 * restarted mid-stream, under the producer and under the engine, loses nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFleet } from '../../support/fleet.js';
import { HAVE_RECORDINGS, recording, REPO_ROOT } from '../../support/recordings.js';
import {
  freshTopic,
  KAFKA_SKIP_NOTE,
  KAFKA_TEST_BOOTSTRAP,
  testBroker,
} from '../../support/kafka.js';
import { CLI, runCli } from '../cli-support.js';
import { comparableAggregate, readStoredAsAggregate, readStoredRows } from '../stored-result.js';

const dir = mkdtempSync(join(tmpdir(), 'mh-kafka-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A watermark of 30 days and a TTL of a year: nothing in the inputs is late or expires, whatever
 * the micro-batches, so a stream cut into batches of any size must store what `aggregate` prints.
 */
const WIDE = ['--watermark-seconds', '2592000', '--ttl-minutes', '525600'];

/** Inputs within 30 days of each other: an hour of the MBTA fleet and more, or the fleet alone. */
function inputs(): string[] {
  const own = writeFleet(dir, {
    ticks: 40,
    vehicles: 25,
    stepMs: 15_000,
    aircraft: 0,
    labels: false,
  });
  if (!HAVE_RECORDINGS) return [own];
  return [
    recording('mbta-gtfsrt/2022-11-16T161311Z_robertej19-CCMF_VehiclePositions.pb'),
    recording('mbta-lamp/2022-11-22T010000Z_mbta-lamp_d0de66dbdf884ded9fe00838bbe6847e-0.parquet'),
    own,
  ];
}

const env = { KAFKA_BOOTSTRAP: KAFKA_TEST_BOOTSTRAP ?? '' };

function produceArgs(topic: string, files: string[], pace: string[]): string[] {
  const kafka = ['--log', 'kafka', '--kafka-topic', topic];
  return ['produce', 'replay', ...kafka, ...pace, '--original-times', '--no-loop', ...files];
}

/** Publishes the files to `topic` as fast as possible. */
async function produceAll(topic: string, files: string[]): Promise<void> {
  const run = await runCli(produceArgs(topic, files, ['--as-fast-as-possible']), env);
  expect(run.code, run.stderr).toBe(0);
}

/** Starts a CLI command in the background. */
function startCli(args: string[]): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`${args[0]} exited ${code}: ${stderr}`));
      else resolve(code);
    });
  });
  return { child, exited };
}

function engineArgs(topic: string, db: string, extra: string[] = []): string[] {
  return ['engine', '--log', 'kafka', '--kafka-topic', topic, '--db', db, ...extra];
}

function acceptedIn(db: string): number {
  try {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const row = conn.prepare('SELECT stats FROM checkpoints').get() as
        { stats: string } | undefined;
      return row === undefined ? 0 : (JSON.parse(row.stats) as { accepted: number }).accepted;
    } finally {
      conn.close();
    }
  } catch {
    return 0;
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(KAFKA_TEST_BOOTSTRAP === undefined)(`Kafka end to end (${KAFKA_SKIP_NOTE})`, () => {
  const files = inputs();
  let expected: ReturnType<typeof comparableAggregate>;
  let expectedAccepted = 0;

  it('stores what aggregate prints for the same files', async () => {
    const aggregate = await runCli(['aggregate', ...WIDE, ...files]);
    expect(aggregate.code, aggregate.stderr).toBe(0);
    const output = JSON.parse(aggregate.stdout);
    expect(output.stats.late).toBe(0);
    expected = comparableAggregate(output);
    expectedAccepted = output.stats.accepted;
    expect(expected.tiles.length).toBeGreaterThan(HAVE_RECORDINGS ? 2000 : 20);

    const topic = freshTopic('pipeline');
    await produceAll(topic, files);

    const db = join(dir, 'pipeline.sqlite');
    const engine = await runCli(
      engineArgs(topic, db, [
        '--until-idle',
        '--trigger-ms',
        '10',
        '--max-batch-records',
        '20000',
        ...WIDE,
      ]),
      env,
    );
    expect(engine.code, engine.stderr).toBe(0);
    const stored = readStoredAsAggregate(db);
    expect(stored.tiles).toEqual(expected.tiles);
    expect(stored.positions).toEqual(expected.positions);
    const rows = readStoredRows(db);
    expect(rows.stats).toMatchObject({
      accepted: output.stats.accepted,
      duplicates: output.stats.duplicates,
      late: 0,
      rejected: output.stats.rejected,
    });
  });

  it('stores the same result when the engine is killed with SIGKILL mid-stream and restarted', async () => {
    // Stage 1: one topic, produced once; default watermark, small batches.
    const topic = freshTopic('restart');
    await produceAll(topic, files);
    const args = ['--until-idle', '--trigger-ms', '10', '--max-batch-records', '5000'];

    // Stage 2: the uninterrupted run.
    const straight = join(dir, 'straight.sqlite');
    const whole = await runCli(engineArgs(topic, straight, args), env);
    expect(whole.code, whole.stderr).toBe(0);
    const want = readStoredRows(straight);

    // Stage 3: kill at growing delays, restart until it finishes on its own.
    const killed = join(dir, 'killed.sqlite');
    let kills = 0;
    let finished = false;
    for (let attempt = 0; attempt < 40 && !finished; attempt++) {
      const run = startCli(engineArgs(topic, killed, args));
      const timer = setTimeout(() => run.child.kill('SIGKILL'), 900 + attempt * 211);
      const code = await run.exited;
      clearTimeout(timer);
      if (code === 0) finished = true;
      else kills++;
    }
    expect(finished).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(3);

    const got = readStoredRows(killed);
    expect(got.stats).toEqual(want.stats);
    expect(got.tiles).toEqual(want.tiles);
    expect(got.positions).toEqual(want.positions);
    expect(got.deadLetters).toEqual(want.deadLetters);
  });

  it('loses nothing when the broker is killed and restarted under the producer and the engine', async () => {
    expect(expected, 'the first case computes the expected result').toBeDefined();
    const topic = freshTopic('outage');
    const db = join(dir, 'outage.sqlite');

    // Stage 1: a paced producer; the broker dies under it and comes back.
    const producer = startCli(produceArgs(topic, files, ['--speed', '200']));
    const engine = startCli(engineArgs(topic, db, ['--trigger-ms', '50', ...WIDE]));
    await waitFor('the engine to accept reports', () => acceptedIn(db) > 0, 60_000);
    testBroker('kill');
    await new Promise((r) => setTimeout(r, 2_000));
    testBroker('start');
    expect(await producer.exited).toBe(0);

    // Stage 2: the broker dies under the engine alone, and comes back.
    testBroker('kill');
    await new Promise((r) => setTimeout(r, 1_000));
    testBroker('start');
    await waitFor('the engine to catch up', () => acceptedIn(db) >= expectedAccepted, 120_000);
    engine.child.kill('SIGTERM');
    await engine.exited;

    const stored = readStoredAsAggregate(db);
    expect(acceptedIn(db)).toBe(expectedAccepted);
    expect(stored.tiles).toEqual(expected.tiles);
    expect(stored.positions).toEqual(expected.positions);
  });
});

/**
 * The embedded engine killed with SIGKILL at many points mid-stream, and restarted each time,
 * ends with exactly the tiles, positions, dead letters and counters of a run never interrupted
 * (SPEC 3, exactly-once effect).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_RECORDINGS, REPO_ROOT, recording } from '../support/recordings.js';
import { CLI, runCli } from './cli-support.js';
import { readStoredRows as readStored } from './stored-result.js';

const dir = mkdtempSync(join(tmpdir(), 'mh-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Inputs: real recordings where they are, else the conformance cases' hand-written files. */
function inputs(): string[] {
  if (HAVE_RECORDINGS) {
    return [
      recording('mbta/2019-03-13_ShiqingLiuMIT-hw4_db.json'),
      recording(
        'mbta-lamp/2023-05-08T120000Z_mbta-lamp_1613b49e4fa1459eabe9c83553ef1045-0.parquet',
      ),
      recording(
        'gtfsrt-delhi-otd/2025-04-20T130819Z_AnanyaWarrierXD-automated-bus-scheduling-and-route-management-system_VehiclePositions.pb',
      ),
      recording('opensky/2025-12-28T021419Z_HusainCode-AirspaceLiveSim_opensky.json'),
    ];
  }
  const cases = join(REPO_ROOT, 'conformance', 'cases');
  return readdirSync(cases).flatMap((c) =>
    readdirSync(join(cases, c, 'input')).map((f) => join(cases, c, 'input', f)),
  );
}

function copyDatabase(from: string, to: string): void {
  for (const suffix of ['', '-wal', '-shm'])
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
}

const ENGINE_ARGS = ['engine', '--until-idle', '--max-batch-records', '4000', '--trigger-ms', '10'];

/** Runs the engine, killing it after `killAfterMs`; resolves true when it finished on its own. */
function runEngineUntil(db: string, killAfterMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...ENGINE_ARGS, '--db', db], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(false);
      else if (code === 0) resolve(true);
      else reject(new Error(`engine exited with ${code}: ${stderr}`));
    });
  });
}

describe('the embedded engine killed and restarted', () => {
  it('stores the same result as an uninterrupted run', async () => {
    // Stage 1: one log, produced once, copied for both runs.
    const straight = join(dir, 'straight.sqlite');
    const produced = await runCli([
      'produce',
      'replay',
      '--as-fast-as-possible',
      '--original-times',
      '--no-loop',
      '--db',
      straight,
      ...inputs(),
    ]);
    expect(produced.code, produced.stderr).toBe(0);
    const killed = join(dir, 'killed.sqlite');
    copyDatabase(straight, killed);

    // Stage 2: the uninterrupted run.
    const whole = await runCli([...ENGINE_ARGS, '--db', straight]);
    expect(whole.code, whole.stderr).toBe(0);
    const expected = readStored(straight);
    expect(expected.tiles.length).toBeGreaterThan(HAVE_RECORDINGS ? 1000 : 5);

    // Stage 3: kill at growing delays (start-up, mid-batch, mid-commit), restart until it finishes.
    let kills = 0;
    let finished = false;
    for (let attempt = 0; attempt < 60 && !finished; attempt++) {
      finished = await runEngineUntil(killed, 250 + attempt * 137);
      if (!finished) kills++;
    }
    expect(finished).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(3);

    const actual = readStored(killed);
    expect(actual.stats).toEqual(expected.stats);
    expect(actual.tiles).toEqual(expected.tiles);
    expect(actual.positions).toEqual(expected.positions);
    expect(actual.deadLetters).toEqual(expected.deadLetters);
  });
});

/**
 * `mobility-heatmap demo` as a new user runs it: within 60 seconds the API serves at least 100
 * hexagons and 200 vehicles from the recordings, and the page in Chromium draws them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { HAVE_RECORDINGS, RECORDINGS_DIR, REPO_ROOT } from '../support/recordings.js';
import { CLI, runCli } from './cli-support.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'mh-demo-'));
let child: ChildProcess | undefined;

afterEach(async () => {
  const running = child;
  child = undefined;
  if (running && running.exitCode === null && running.signalCode === null) {
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGKILL');
    await exited;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function count(url: string): Promise<number> {
  try {
    const response = await fetch(url);
    if (!response.ok) return 0;
    return ((await response.json()) as { features: unknown[] }).features.length;
  } catch {
    return 0;
  }
}

/** Starts the demo and waits until both thresholds are met; returns the seconds it took. */
async function startDemo(
  args: string[],
  minHexagons: number,
  minVehicles: number,
): Promise<{ base: string; seconds: number }> {
  const port = await freePort();
  const started = Date.now();
  child = spawn(
    process.execPath,
    [
      CLI,
      'demo',
      '--port',
      String(port),
      '--db',
      join(dir, 'demo.sqlite'),
      '--tile-url',
      'none',
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', RECORDINGS_DIR },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const base = `http://127.0.0.1:${port}`;
  while (Date.now() - started < 60_000) {
    if (child.exitCode !== null) throw new Error(`demo exited with ${child.exitCode}: ${stderr}`);
    const [hexagons, vehicles] = await Promise.all([
      count(`${base}/api/tiles/latest`),
      count(`${base}/api/positions/latest`),
    ]);
    if (hexagons >= minHexagons && vehicles >= minVehicles)
      return { base, seconds: (Date.now() - started) / 1000 };
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `demo did not reach ${minHexagons} hexagons and ${minVehicles} vehicles in 60 s: ${stderr.slice(-2000)}`,
  );
}

describe('the demo', () => {
  it.skipIf(!HAVE_RECORDINGS)(
    'serves 100 hexagons and 200 vehicles from the recordings within 60 s, drawn by the page',
    async () => {
      const { base, seconds } = await startDemo([], 100, 200);
      expect(seconds).toBeLessThan(60);

      if (existsSync(CHROMIUM_PATH)) {
        const browser = await chromium.launch({
          executablePath: CHROMIUM_PATH,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--no-first-run',
          ],
        });
        try {
          const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
          const errors: string[] = [];
          page.on('pageerror', (e) => errors.push(e.message));
          await page.goto(`${base}/`);
          // A function, not a string: the page's Content-Security-Policy forbids evaluating strings.
          await page.waitForFunction(
            () => {
              const hook = (
                window as unknown as { __heatmap?: { hexagons: number; markers: number } }
              ).__heatmap;
              return hook !== undefined && hook.hexagons >= 100 && hook.markers >= 200;
            },
            undefined,
            { timeout: 30_000 },
          );
          await page.waitForTimeout(500);
          mkdirSync(join(REPO_ROOT, '.data', 'screenshots'), { recursive: true });
          await page.screenshot({ path: join(REPO_ROOT, '.data', 'screenshots', 'demo.png') });
          expect(errors).toEqual([]);
        } finally {
          await browser.close();
        }
      }

      // Ctrl-C stops everything cleanly.
      child!.kill('SIGINT');
      const code = await new Promise((r) => child!.once('exit', r));
      expect(code).toBe(0);
    },
  );

  it('simulates a moving fleet when no recordings are given', async () => {
    const { base } = await startDemo(['--source', 'sim', '--vehicles', '300'], 50, 200);
    const stats = (await (await fetch(`${base}/api/stats`)).json()) as { accepted: number };
    expect(stats.accepted).toBeGreaterThan(0);
    const tiles = (await (await fetch(`${base}/api/tiles/latest`)).json()) as {
      features: { properties: { provider: string } }[];
    };
    expect(tiles.features.every((f) => f.properties.provider === 'sim')).toBe(true);
  });

  it('refuses a port in use with a message saying what to do, and keeps the other database', async () => {
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const db = join(dir, 'kept.sqlite');
    writeFileSync(db, 'not touched');
    try {
      const run = await runCli(['demo', '--source', 'sim', '--port', String(port), '--db', db]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`port ${port} .* already in use.*--port`));
      expect(readFileSync(db, 'utf8')).toBe('not touched');
    } finally {
      blocker.close();
    }
  });
});

/**
 * The embedded log: appending, planning and reading by offset, reopening, truncation, and its
 * use by two processes at once on a file it shares with the SQLite store, as the embedded
 * profile runs it (a producer process appends while the engine reads and commits).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

import { LogError } from '../../src/errors.js';
import { openEmbeddedLog } from '../../src/log/embedded-log.js';
import type { LogEntry } from '../../src/log/event-log.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { REPO_ROOT } from '../support/recordings.js';

const dir = mkdtempSync(join(tmpdir(), 'mh-embedded-log-'));
let files = 0;
function freshFile(): string {
  files += 1;
  return join(dir, `log-${files}.sqlite`);
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function entries(from: number, count: number): LogEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `mbta:y${from + i}`,
    value: JSON.stringify({ n: from + i }),
  }));
}

describe('EmbeddedLog', () => {
  it('starts at offset 1 and plans nothing on an empty log', async () => {
    const log = openEmbeddedLog(freshFile());
    expect(log.start()).toEqual({ '0': 1 });
    expect(await log.plan(log.start(), 100)).toEqual({ '0': 1 });
    expect(await log.read({ '0': 1 }, { '0': 1 })).toEqual([]);
    await log.close();
  });

  it('plans at most maxRecords entries and reads them back in order', async () => {
    const log = openEmbeddedLog(freshFile());
    await log.append(entries(0, 5));
    await log.append(entries(5, 3));

    const to = await log.plan({ '0': 1 }, 6);
    expect(to).toEqual({ '0': 7 });
    expect(await log.read({ '0': 1 }, to)).toEqual(entries(0, 6));
    expect(await log.plan(to, 6)).toEqual({ '0': 9 });
    expect(await log.read(to, { '0': 9 })).toEqual(entries(6, 2));
    expect(await log.plan({ '0': 9 }, 6)).toEqual({ '0': 9 });
    await log.close();
  });

  it('keeps the reason of a rejected record', async () => {
    const log = openEmbeddedLog(freshFile());
    const rejected: LogEntry = {
      key: 'opensky:a0b1c2',
      value: '["a0b1c2","DAL1234 ",null]',
      reject: { reason: 'no_position', detail: 'state without longitude' },
    };
    await log.append([rejected, ...entries(0, 1)]);

    expect(await log.read({ '0': 1 }, { '0': 3 })).toEqual([rejected, ...entries(0, 1)]);
    await log.close();
  });

  it('keeps everything after close, and continues the offsets when opened again', async () => {
    const file = freshFile();
    const first = openEmbeddedLog(file);
    await first.append(entries(0, 4));
    await first.close();

    const again = openEmbeddedLog(file);
    expect(await again.read({ '0': 1 }, { '0': 5 })).toEqual(entries(0, 4));
    await again.append(entries(4, 2));
    expect(await again.plan({ '0': 5 }, 100)).toEqual({ '0': 7 });
    expect(await again.read({ '0': 5 }, { '0': 7 })).toEqual(entries(4, 2));
    await again.close();
  });

  it('refuses a position past its end, which belongs to another log', async () => {
    const log = openEmbeddedLog(freshFile());
    await log.append(entries(0, 2));

    await expect(log.plan({ '0': 10 }, 5)).rejects.toBeInstanceOf(LogError);
    await expect(log.plan({ kafka: 3 }, 5)).rejects.toBeInstanceOf(LogError);
    await log.close();
  });

  it('fails after close with LogError', async () => {
    const log = openEmbeddedLog(freshFile());
    await log.close();
    await log.close();
    await expect(log.append(entries(0, 1))).rejects.toBeInstanceOf(LogError);
  });
});

describe('EmbeddedLog.truncateBefore', () => {
  it('deletes consumed entries older than the retention, and never reuses their offsets', async () => {
    const log = openEmbeddedLog(freshFile(), { retentionMs: 60_000 });
    await log.append(entries(0, 10));
    const now = Date.now();

    expect(await log.truncateBefore({ '0': 4 }, now)).toBe(0);
    expect(await log.truncateBefore({ '0': 4 }, now + 60_001)).toBe(3);
    expect(log.start()).toEqual({ '0': 4 });
    expect(await log.read({ '0': 1 }, { '0': 6 })).toEqual(entries(3, 2));

    expect(await log.truncateBefore({ '0': 11 }, now + 60_001)).toBe(7);
    expect(log.start()).toEqual({ '0': 11 });
    await log.append(entries(10, 1));
    expect(await log.read({ '0': 11 }, { '0': 12 })).toEqual(entries(10, 1));
    await log.close();
  });

  it('keeps entries appended within the retention even when consumed', async () => {
    const log = openEmbeddedLog(freshFile(), { retentionMs: 60_000 });
    await log.append(entries(0, 3));
    expect(await log.truncateBefore({ '0': 4 }, Date.now() + 1000)).toBe(0);
    expect(await log.read({ '0': 1 }, { '0': 4 })).toHaveLength(3);
    await log.close();
  });

  it('moves a plan from a truncated position up to the oldest retained entry', async () => {
    const log = openEmbeddedLog(freshFile(), { retentionMs: 0 });
    await log.append(entries(0, 10));
    await log.truncateBefore({ '0': 6 }, Date.now() + 1);

    expect(await log.plan({ '0': 1 }, 3)).toEqual({ '0': 9 });
    expect(await log.read({ '0': 1 }, { '0': 9 })).toEqual(entries(5, 3));
    await log.close();
  });
});

describe('EmbeddedLog beside other connections', () => {
  it('lets a reader plan and read while another connection holds an open append', async () => {
    const file = freshFile();
    const log = openEmbeddedLog(file);
    await log.append(entries(0, 2));
    const producer = new Database(file);
    producer.exec('BEGIN IMMEDIATE');
    producer
      .prepare('INSERT INTO log_entries (key, value, appended_at) VALUES (?, ?, ?)')
      .run('mbta:y9', '{"n":9}', Date.now());

    // The reader sees the last committed state at once, without waiting for the writer.
    const started = Date.now();
    expect(await log.plan({ '0': 1 }, 100)).toEqual({ '0': 3 });
    expect(await log.read({ '0': 1 }, { '0': 3 })).toEqual(entries(0, 2));
    expect(Date.now() - started).toBeLessThan(1000);

    producer.exec('COMMIT');
    expect(await log.plan({ '0': 3 }, 100)).toEqual({ '0': 4 });
    producer.close();
    await log.close();
  });

  it('shares one file with the SQLite store', async () => {
    const file = freshFile();
    const log = openEmbeddedLog(file);
    const store = openSqliteStore(file);
    await log.append(entries(0, 3));
    await store.savePlan('shared', { batchId: 1, from: { '0': 1 }, to: { '0': 4 } });
    await log.append(entries(3, 1));
    await store.close();
    await log.close();

    const logAgain = openEmbeddedLog(file);
    const storeAgain = openSqliteStore(file);
    expect(await logAgain.read({ '0': 1 }, { '0': 5 })).toEqual(entries(0, 4));
    expect(await storeAgain.loadPlan('shared')).toEqual({
      batchId: 1,
      from: { '0': 1 },
      to: { '0': 4 },
    });
    await storeAgain.close();
    await logAgain.close();
  });

  it('reads every entry once, in order, while another process appends to the same file', async () => {
    const file = freshFile();
    const batches = 150;
    const perBatch = 40;
    const producerScript = await bundleProducer();

    // The reader plays the engine: it opens the log and the store on the file, then the
    // producer process starts appending.
    const log = openEmbeddedLog(file);
    const store = openSqliteStore(file);
    const producer = spawn(
      process.execPath,
      [producerScript, file, String(batches), String(perBatch)],
      {
        env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules'), LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    producer.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => producer.on('exit', resolve));

    const seen: number[] = [];
    let readsWhileProducing = 0;
    let position = log.start();
    const deadline = Date.now() + 60_000;
    for (let batchId = 1; seen.length < batches * perBatch && Date.now() < deadline;) {
      const to = await log.plan(position, 250);
      if (to['0'] === position['0']) {
        if (producer.exitCode !== null && producer.exitCode !== 0) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      const read = await log.read(position, to);
      if (producer.exitCode === null) readsWhileProducing += 1;
      seen.push(...read.map((e) => (JSON.parse(e.value) as { n: number }).n));
      await store.commitBatch({
        tiles: [],
        positions: [],
        deadLetters: [],
        checkpoint: { engineId: 'reader', batchId, position: to, state: '{}' },
        stats: {
          accepted: seen.length,
          duplicates: 0,
          late: 0,
          rejected: {},
          cleaned: {},
          watermarkMs: null,
          newestEventMs: null,
          batches: batchId,
          lastBatchAtMs: null,
        },
      });
      position = to;
      batchId += 1;
    }

    expect(await exited, stderr).toBe(0);
    expect(seen).toEqual(Array.from({ length: batches * perBatch }, (_, n) => n));
    expect(readsWhileProducing).toBeGreaterThan(1);
    expect(await store.loadCheckpoint('reader')).toMatchObject({
      position: { '0': batches * perBatch + 1 },
    });
    await store.close();
    await log.close();
  }, 90_000);
});

/**
 * Bundles a producer that appends through EmbeddedLog, for a child process: plain Node cannot
 * load the TypeScript sources, so esbuild turns them into one CommonJS file whose packages are
 * found through NODE_PATH.
 */
async function bundleProducer(): Promise<string> {
  const outfile = join(dir, 'producer.cjs');
  const source = `
    import { openEmbeddedLog } from '../../src/log/embedded-log.js';
    async function produce(file: string, batches: number, perBatch: number): Promise<void> {
      const log = openEmbeddedLog(file);
      let n = 0;
      for (let b = 0; b < batches; b++) {
        const entries = [];
        for (let i = 0; i < perBatch; i++, n++) entries.push({ key: 'sim:' + n, value: JSON.stringify({ n }) });
        await log.append(entries);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await log.close();
    }
    const [file, batches, perBatch] = process.argv.slice(2);
    produce(file!, Number(batches), Number(perBatch)).catch((err) => {
      console.error(err);
      process.exit(1);
    });
  `;
  await build({
    stdin: { contents: source, resolveDir: join(REPO_ROOT, 'test/log'), loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

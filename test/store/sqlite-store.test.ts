/**
 * The SQLite store: the store contract on a real file, then what only a file can show (reopening,
 * a read-only reader beside the writer, a locked database, the dead-letter cap).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

import { StoreError } from '../../src/errors.js';
import type { DeadLetter } from '../../src/event/position-event.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { BatchCommit, TileRecord } from '../../src/store/store.js';
import { runStoreContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'mh-sqlite-store-'));
let files = 0;
function freshFile(): string {
  files += 1;
  return join(dir, `store-${files}.sqlite`);
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

runStoreContract('SqliteStore on a file', async () => openSqliteStore(freshFile()));

const T0 = Date.UTC(2019, 2, 13, 4, 30);

function tile(cellId: string, count: number): TileRecord {
  return {
    provider: 'mbta',
    grid: 'h3r8',
    cellId,
    windowStartMs: T0,
    windowEndMs: T0 + 300_000,
    count,
    vehicles: 1,
    speedSumKmh: 0,
    speedSamples: 0,
    avgSpeedKmh: null,
    centroid: [-71.06, 42.36],
    staleAtMs: T0 + 3_000_000,
  };
}

function commit(batchId: number, over: Partial<BatchCommit> = {}): BatchCommit {
  return {
    tiles: [],
    positions: [],
    deadLetters: [],
    checkpoint: { engineId: 'sqlite-test', batchId, position: { '0': batchId * 10 }, state: '{}' },
    stats: {
      accepted: batchId,
      duplicates: 0,
      late: 0,
      rejected: {},
      cleaned: {},
      watermarkMs: null,
      newestEventMs: null,
      batches: batchId,
      lastBatchAtMs: null,
    },
    ...over,
  };
}

describe('openSqliteStore', () => {
  it('keeps every committed batch after the file is closed and opened again', async () => {
    const file = freshFile();
    const writer = openSqliteStore(file);
    await writer.commitBatch(commit(1, { tiles: [tile('882a306601fffff', 4)] }));
    await writer.close();

    const again = openSqliteStore(file);
    expect((await again.readLatestTiles({ limit: 10 })).tiles).toEqual([
      tile('882a306601fffff', 4),
    ]);
    expect(await again.loadCheckpoint('sqlite-test')).toMatchObject({ batchId: 1 });
    await again.close();
  });

  it('writes many tiles of one batch in one commit', async () => {
    const store = openSqliteStore(freshFile());
    const tiles = Array.from({ length: 1000 }, (_, i) =>
      tile(`cell-${String(i).padStart(4, '0')}`, i + 1),
    );
    await store.commitBatch(commit(1, { tiles }));

    const page = await store.readLatestTiles({ limit: 5000 });
    expect(page.tiles).toHaveLength(1000);
    expect(page.tiles[0]).toEqual(tiles[999]);
    await store.close();
  });

  it('lets a read-only store read what a writer commits, and refuses its writes', async () => {
    const file = freshFile();
    const writer = openSqliteStore(file);
    const reader = openSqliteStore(file, { readonly: true });
    expect(await reader.readLatestTiles({ limit: 10 })).toMatchObject({ tiles: [] });

    await writer.commitBatch(commit(1, { tiles: [tile('882a306601fffff', 2)] }));
    expect((await reader.readLatestTiles({ limit: 10 })).tiles).toHaveLength(1);
    expect(await reader.health()).toMatchObject({ ok: true, kind: 'sqlite' });
    await expect(reader.commitBatch(commit(2))).rejects.toBeInstanceOf(StoreError);
    await reader.close();
    await writer.close();
  });

  it('refuses, as retriable, to open a missing file read-only', () => {
    const attempt = (): unknown => openSqliteStore(join(dir, 'missing.sqlite'), { readonly: true });
    expect(attempt).toThrow(StoreError);
    expect(attempt).toThrow(expect.objectContaining({ retriable: true }));
  });

  it('works in memory', async () => {
    const store = openSqliteStore(':memory:');
    await store.commitBatch(commit(1, { tiles: [tile('882a306601fffff', 2)] }));
    expect((await store.readLatestTiles({ limit: 10 })).tiles).toHaveLength(1);
    await store.close();
  });
});

describe('SqliteStore.commitBatch', () => {
  it('fails as retriable while another connection holds the write lock', async () => {
    const file = freshFile();
    const store = openSqliteStore(file, { busyTimeoutMs: 50 });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');

    const failure = await store.commitBatch(commit(1)).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StoreError);
    expect(failure).toMatchObject({ code: 'HM_STORE', retriable: true });

    other.exec('ROLLBACK');
    other.close();
    await store.commitBatch(commit(1));
    expect(await store.loadCheckpoint('sqlite-test')).toMatchObject({ batchId: 1 });
    await store.close();
  });

  it('fails as not retriable on a broken tile, naming the batch', async () => {
    const store = openSqliteStore(freshFile());
    const broken = { ...tile('882a306601fffff', 1), staleAtMs: undefined } as unknown as TileRecord;

    const failure = await store
      .commitBatch(commit(7, { tiles: [broken] }))
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'HM_STORE', retriable: false });
    expect((failure as Error).message).toMatch(/batch 7 .*stale_at/);
    await store.close();
  });

  it('keeps only the newest dead letters beyond its limit', async () => {
    const store = openSqliteStore(freshFile(), { deadLetterLimit: 5 });
    const letter = (n: number): DeadLetter => ({
      reason: 'bad_json',
      detail: `#${n}`,
      raw: `{${n}`,
    });
    await store.commitBatch(commit(1, { deadLetters: [1, 2, 3, 4].map(letter) }));
    await store.commitBatch(commit(2, { deadLetters: [5, 6, 7].map(letter) }));

    const kept = await store.readDeadLetters(100);
    expect(kept.map((d) => d.detail)).toEqual(['#7', '#6', '#5', '#4', '#3']);
    await store.close();
  });
});

describe('SqliteStore after close', () => {
  it('fails reads with StoreError and reports itself unhealthy', async () => {
    const store = openSqliteStore(freshFile());
    await store.close();
    await store.close();

    await expect(store.readLatestTiles({ limit: 1 })).rejects.toBeInstanceOf(StoreError);
    expect(await store.health()).toMatchObject({ ok: false, kind: 'sqlite' });
  });
});

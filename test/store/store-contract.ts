/**
 * The store contract: the cases every Store implementation must pass (STYLE.md, habit 12). The
 * SQLite store runs it in sqlite-store.test.ts; the MongoDB store will run the same cases. Each
 * case opens a fresh, empty store. Times are of 2019 on purpose: "latest" and "last N minutes"
 * follow the stream's clock, never the wall clock (SPEC 5).
 */
import fc from 'fast-check';
import { cellToLatLng, gridDisk, latLngToCell } from 'h3-js';
import { afterEach, describe, expect, it } from 'vitest';

import type { DeadLetter, PositionEvent } from '../../src/event/position-event.js';
import type {
  BatchCommit,
  Checkpoint,
  EngineStats,
  LngLat,
  Store,
  TileRecord,
} from '../../src/store/store.js';

/** Cases an implementation cannot pass yet, by title, each with the reason it is skipped. */
export interface StoreContractOptions {
  skip?: Record<string, string>;
}

const MINUTE = 60_000;
const WINDOW = 5 * MINUTE;
/** 2019-03-13T04:30:00Z, a window start. */
const T0 = Date.UTC(2019, 2, 13, 4, 30);

/** Places with their H3 cell and its centre, far enough apart to be told apart by a bbox. */
function place(lat: number, lon: number): { cellId: string; centroid: LngLat } {
  return placeOfCell(latLngToCell(lat, lon, 8));
}
function placeOfCell(cellId: string): { cellId: string; centroid: LngLat } {
  const [lat, lon] = cellToLatLng(cellId);
  return { cellId, centroid: [lon, lat] };
}
const DOWNTOWN = place(42.3555, -71.0605);
const CAMBRIDGE = place(42.3736, -71.1097);
const QUINCY = place(42.2529, -71.0023);
const LOGAN = place(42.3656, -71.0096);

function tile(over: Partial<TileRecord> = {}): TileRecord {
  const windowStartMs = over.windowStartMs ?? T0;
  return {
    provider: 'mbta',
    grid: 'h3r8',
    ...DOWNTOWN,
    windowStartMs,
    windowEndMs: windowStartMs + WINDOW,
    count: 3,
    vehicles: 2,
    speedSumKmh: 61.2,
    speedSamples: 2,
    avgSpeedKmh: 30.6,
    staleAtMs: windowStartMs + WINDOW + 45 * MINUTE,
    ...over,
  };
}

function position(over: Partial<PositionEvent> = {}): PositionEvent {
  return {
    provider: 'mbta',
    vehicleId: 'y1808',
    lat: 42.3555,
    lon: -71.0605,
    tsMs: T0 + MINUTE,
    speedKmh: 21.6,
    bearing: 135,
    accuracyM: null,
    ...over,
  };
}

function stats(over: Partial<EngineStats> = {}): EngineStats {
  return {
    accepted: 10,
    duplicates: 1,
    late: 0,
    rejected: { bad_json: 1 },
    cleaned: { bearing: 2 },
    watermarkMs: T0 - 10 * MINUTE,
    newestEventMs: T0 + MINUTE,
    batches: 1,
    lastBatchAtMs: Date.UTC(2025, 9, 4, 10, 22, 5),
    ...over,
  };
}

function checkpoint(over: Partial<Checkpoint> = {}): Checkpoint {
  return { engineId: 'contract', batchId: 1, position: { '0': 11 }, state: '{"v":1}', ...over };
}

function commit(over: Partial<BatchCommit> = {}): BatchCommit {
  return {
    tiles: [],
    positions: [],
    deadLetters: [],
    checkpoint: checkpoint(),
    stats: stats(),
    ...over,
  };
}

/** Everything a reader can see, to compare a store before and after an operation. */
async function snapshot(store: Store): Promise<unknown> {
  const all = { limit: 1000 };
  return {
    latest: await store.readLatestTiles(all),
    range: await store.readTileRange({ ...all, minutes: 24 * 60 }),
    positions: await store.readPositions({ ...all, maxAgeSec: 86_400 }),
    checkpoint: await store.loadCheckpoint('contract'),
    plan: await store.loadPlan('contract'),
    stats: await store.readStats('contract'),
    deadLetters: await store.readDeadLetters(1000),
  };
}

/**
 * Defines the contract cases for one Store implementation.
 *
 * @param name - the implementation, as the describe block names it
 * @param open - opens a fresh, empty store
 * @param options - cases to skip, each with its reason
 */
export function runStoreContract(
  name: string,
  open: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  const opened: Store[] = [];
  async function fresh(): Promise<Store> {
    const store = await open();
    opened.push(store);
    return store;
  }
  function contractCase(title: string, body: () => Promise<void>, timeout?: number): void {
    const reason = options.skip?.[title];
    if (reason !== undefined) it.skip(`${title} (skipped: ${reason})`, body);
    else it(title, body, timeout);
  }

  describe(`Store contract: ${name}`, () => {
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    describe('commitBatch', () => {
      contractCase('keeps one row per tile, with the totals of the last write', async () => {
        const store = await fresh();
        await store.commitBatch(commit({ tiles: [tile({ count: 3 })] }));
        const last = tile({
          count: 5,
          vehicles: 4,
          speedSumKmh: 100,
          speedSamples: 4,
          avgSpeedKmh: 25,
        });
        await store.commitBatch(commit({ tiles: [last], checkpoint: checkpoint({ batchId: 2 }) }));

        const page = await store.readLatestTiles({ limit: 100 });
        expect(page.tiles).toEqual([last]);
      });

      contractCase('changes nothing when a commit is written again', async () => {
        const store = await fresh();
        const batch = commit({
          tiles: [tile(), tile({ ...CAMBRIDGE, count: 1 })],
          positions: [position(), position({ vehicleId: 'y1809', tsMs: T0 + 2 * MINUTE })],
          deadLetters: [{ reason: 'bad_json', detail: 'unexpected end', raw: '{"provider":' }],
        });
        await store.commitBatch(batch);
        const before = await snapshot(store);

        await store.commitBatch(batch);
        expect(await snapshot(store)).toEqual(before);
      });

      contractCase(
        'keeps per vehicle the report with the greatest ts, the first written on a tie',
        async () => {
          const report = fc.record({
            vehicle: fc.integer({ min: 0, max: 2 }),
            second: fc.integer({ min: 0, max: 4 }),
          });
          const plan = fc.record({
            reports: fc.array(report, { minLength: 1, maxLength: 24 }),
            cuts: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 24 }),
          });
          await fc.assert(
            fc.asyncProperty(plan, async ({ reports, cuts }) => {
              const store = await fresh();
              const written = reports.map((r, order) =>
                position({
                  vehicleId: `v${r.vehicle}`,
                  tsMs: T0 + r.second * 1000,
                  label: `report ${order}`,
                }),
              );

              // Commit the reports in the generated order, in batches of the generated sizes.
              let at = 0;
              for (let batchId = 1; at < written.length; batchId++) {
                const size = cuts[(batchId - 1) % cuts.length]!;
                const positions = written.slice(at, at + size);
                await store.commitBatch(commit({ positions, checkpoint: checkpoint({ batchId }) }));
                at += size;
              }

              const expected = new Map<string, PositionEvent>();
              for (const p of written) {
                const kept = expected.get(p.vehicleId);
                if (kept === undefined || p.tsMs > kept.tsMs) expected.set(p.vehicleId, p);
              }
              const page = await store.readPositions({ limit: 100, maxAgeSec: 3600 });
              const byVehicle = (a: PositionEvent, b: PositionEvent): number =>
                a.vehicleId < b.vehicleId ? -1 : 1;
              expect([...page.positions].sort(byVehicle)).toEqual(
                [...expected.values()].sort(byVehicle),
              );
              await store.close();
            }),
            { numRuns: 40 },
          );
        },
        60_000,
      );

      // A failing batch holds many valid rows of a newer window, which would show if they leaked,
      // and one broken value: in its tiles (after the valid ones), or in its positions.
      const failures = {
        'a tile': (leaked: TileRecord[]) => ({
          tiles: [...leaked, tile({ ...CAMBRIDGE, count: Number.NaN })],
          positions: [position({ tsMs: T0 + 2 * MINUTE })],
        }),
        'a position': (leaked: TileRecord[]) => ({
          tiles: leaked,
          positions: [
            position({ tsMs: T0 + 2 * MINUTE }),
            position({ vehicleId: 'y2', lat: Number.NaN }),
          ],
        }),
      };
      for (const [part, build] of Object.entries(failures)) {
        contractCase(`writes nothing of a batch when ${part} cannot be written`, async () => {
          const store = await fresh();
          await store.commitBatch(commit({ tiles: [tile()], positions: [position()] }));
          const before = await snapshot(store);

          const leaked = gridDisk(QUINCY.cellId, 6).map((cellId) =>
            tile({ ...placeOfCell(cellId), windowStartMs: T0 + WINDOW }),
          );
          const failing = commit({
            ...build(leaked),
            deadLetters: [{ reason: 'null_island', detail: 'lat = lon = 0', raw: '{}' }],
            checkpoint: checkpoint({ batchId: 2, position: { '0': 22 } }),
            stats: stats({ accepted: 99, batches: 2 }),
          });
          await expect(store.commitBatch(failing)).rejects.toMatchObject({ code: 'HM_STORE' });

          expect(await snapshot(store)).toEqual(before);
        });
      }

      contractCase('keeps the extension fields and the nulls of a position', async () => {
        const store = await fresh();
        const aircraft = position({
          provider: 'opensky',
          vehicleId: 'a0b1c2',
          speedKmh: null,
          bearing: null,
          accuracyM: 12.5,
          altitudeM: 1066.8,
          onGround: false,
          label: 'DAL1234',
        });
        const bus = position({ vehicleId: 'y1900', routeId: '1', mode: 'bus', onGround: true });
        await store.commitBatch(commit({ positions: [aircraft, bus] }));

        const page = await store.readPositions({ limit: 10, maxAgeSec: 600 });
        const byVehicle = new Map(page.positions.map((p) => [p.vehicleId, p]));
        expect(byVehicle.get('a0b1c2')).toEqual(aircraft);
        expect(byVehicle.get('y1900')).toEqual(bus);
      });

      contractCase('keeps dead letters with their reason, newest first', async () => {
        const store = await fresh();
        const first: DeadLetter = {
          reason: 'bad_json',
          detail: 'unexpected token',
          raw: '{"lat":',
        };
        const second: DeadLetter = {
          reason: 'no_position',
          detail: 'state without position',
          raw: '["a0b1c2",null]',
          provider: 'opensky',
        };
        await store.commitBatch(commit({ deadLetters: [first] }));
        await store.commitBatch(
          commit({ deadLetters: [second], checkpoint: checkpoint({ batchId: 2 }) }),
        );

        expect(await store.readDeadLetters(10)).toEqual([second, first]);
        expect(await store.readDeadLetters(1)).toEqual([second]);
      });
    });

    describe('plans and checkpoints', () => {
      contractCase('has neither before anything was saved', async () => {
        const store = await fresh();
        expect(await store.loadPlan('contract')).toBeNull();
        expect(await store.loadCheckpoint('contract')).toBeNull();
        expect(await store.readStats('contract')).toBeNull();
        expect(await store.readStats()).toBeNull();
      });

      contractCase('gives back the last plan and checkpoint of each engine', async () => {
        const store = await fresh();
        const plan = { batchId: 1, from: { '0': 1 }, to: { '0': 11 } };
        await store.savePlan('contract', plan);
        expect(await store.loadPlan('contract')).toEqual(plan);
        expect(await store.loadCheckpoint('contract')).toBeNull();

        const done = checkpoint({ batchId: 1, position: { '0': 11 }, state: '{"open":[1,2]}' });
        await store.commitBatch(commit({ checkpoint: done }));
        const next = { batchId: 2, from: { '0': 11 }, to: { '0': 30 } };
        await store.savePlan('contract', next);

        expect(await store.loadCheckpoint('contract')).toEqual(done);
        expect(await store.loadPlan('contract')).toEqual(next);
        expect(await store.loadPlan('other')).toBeNull();
        expect(await store.loadCheckpoint('other')).toBeNull();
      });

      contractCase(
        'reads the stats of the named engine, else of the engine that committed last',
        async () => {
          const store = await fresh();
          const ofA = stats({ accepted: 1 });
          const ofB = stats({ accepted: 2 });
          await store.commitBatch(
            commit({ checkpoint: checkpoint({ engineId: 'a' }), stats: ofA }),
          );
          expect(await store.readStats()).toEqual(ofA);

          await store.commitBatch(
            commit({ checkpoint: checkpoint({ engineId: 'b' }), stats: ofB }),
          );
          expect(await store.readStats('a')).toEqual(ofA);
          expect(await store.readStats()).toEqual(ofB);
        },
      );
    });

    describe('readLatestTiles', () => {
      const W2 = T0 + WINDOW;
      const tiles = [
        tile({ ...DOWNTOWN, count: 5 }),
        tile({ ...CAMBRIDGE, count: 9 }),
        tile({ ...DOWNTOWN, windowStartMs: W2, count: 2 }),
        tile({ ...QUINCY, windowStartMs: W2, count: 7 }),
        tile({ ...LOGAN, provider: 'opensky', count: 4 }),
      ];

      contractCase('returns the newest window, busiest tiles first', async () => {
        const store = await fresh();
        await store.commitBatch(commit({ tiles }));

        const page = await store.readLatestTiles({ limit: 100 });
        expect(page).toEqual({
          windowStartMs: W2,
          windowEndMs: W2 + WINDOW,
          tiles: [tiles[3], tiles[2]],
          truncated: false,
        });
      });

      contractCase('finds the newest window among the named providers', async () => {
        const store = await fresh();
        await store.commitBatch(commit({ tiles }));

        const opensky = await store.readLatestTiles({ limit: 100, providers: ['opensky'] });
        expect(opensky.windowStartMs).toBe(T0);
        expect(opensky.tiles).toEqual([tiles[4]]);
        const both = await store.readLatestTiles({ limit: 100, providers: ['opensky', 'mbta'] });
        expect(both.windowStartMs).toBe(W2);
        const none = await store.readLatestTiles({ limit: 100, providers: ['gtfsrt.nowhere'] });
        expect(none).toEqual({
          windowStartMs: null,
          windowEndMs: null,
          tiles: [],
          truncated: false,
        });
      });

      contractCase('keeps the tiles whose centroid lies in the bbox', async () => {
        const store = await fresh();
        await store.commitBatch(commit({ tiles }));
        const [lon, lat] = QUINCY.centroid;

        const page = await store.readLatestTiles({
          limit: 100,
          bbox: [lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01],
        });
        expect(page.windowStartMs).toBe(W2);
        expect(page.tiles).toEqual([tiles[3]]);
      });

      contractCase('cuts the list at limit and says so', async () => {
        const store = await fresh();
        await store.commitBatch(commit({ tiles }));

        expect(await store.readLatestTiles({ limit: 1 })).toMatchObject({
          tiles: [tiles[3]],
          truncated: true,
        });
        expect(await store.readLatestTiles({ limit: 2 })).toMatchObject({ truncated: false });
      });

      contractCase('returns an empty page from an empty store', async () => {
        const store = await fresh();
        expect(await store.readLatestTiles({ limit: 100 })).toEqual({
          windowStartMs: null,
          windowEndMs: null,
          tiles: [],
          truncated: false,
        });
      });
    });

    describe('readTileRange', () => {
      const tiles = [
        tile({ ...DOWNTOWN, count: 100, speedSumKmh: 1000, speedSamples: 10, avgSpeedKmh: 100 }),
        tile({ ...CAMBRIDGE, count: 50 }),
        tile({
          ...DOWNTOWN,
          windowStartMs: T0 + WINDOW,
          count: 2,
          vehicles: 2,
          speedSumKmh: 40,
          speedSamples: 2,
          avgSpeedKmh: 20,
        }),
        tile({
          ...DOWNTOWN,
          windowStartMs: T0 + 2 * WINDOW,
          count: 3,
          vehicles: 1,
          speedSumKmh: 30,
          speedSamples: 1,
          avgSpeedKmh: 30,
        }),
        tile({
          ...QUINCY,
          windowStartMs: T0 + 2 * WINDOW,
          count: 1,
          vehicles: 1,
          speedSumKmh: 0,
          speedSamples: 0,
          avgSpeedKmh: null,
        }),
        tile({ ...LOGAN, provider: 'opensky', windowStartMs: T0 - 6 * WINDOW, count: 4 }),
        tile({ ...LOGAN, windowStartMs: T0 - WINDOW, count: 7 }),
      ];

      contractCase(
        'merges the windows that end within the last N minutes of the stream clock',
        async () => {
          const store = await fresh();
          await store.commitBatch(commit({ tiles }));

          const page = await store.readTileRange({ limit: 100, minutes: 10 });
          expect(page.windowStartMs).toBe(T0 + WINDOW);
          expect(page.windowEndMs).toBe(T0 + 3 * WINDOW);
          expect(page.truncated).toBe(false);
          expect(page.tiles).toEqual([
            {
              ...tiles[2],
              windowEndMs: T0 + 3 * WINDOW,
              count: 5,
              vehicles: 2,
              speedSumKmh: 70,
              speedSamples: 3,
              avgSpeedKmh: 23.333,
              staleAtMs: tiles[3]!.staleAtMs,
            },
            tiles[4],
          ]);
        },
      );

      contractCase(
        'leaves out a window that ends exactly N minutes before the newest end',
        async () => {
          const store = await fresh();
          await store.commitBatch(commit({ tiles }));

          const page = await store.readTileRange({ limit: 100, minutes: 15 });
          expect(page.windowStartMs).toBe(T0);
          expect(page.tiles.map((t) => [t.cellId, t.count])).toEqual([
            [DOWNTOWN.cellId, 105],
            [CAMBRIDGE.cellId, 50],
            [QUINCY.cellId, 1],
          ]);
        },
      );

      contractCase('measures the range from the newest window of the named providers', async () => {
        const store = await fresh();
        await store.commitBatch(commit({ tiles }));

        const page = await store.readTileRange({ limit: 100, minutes: 5, providers: ['opensky'] });
        expect(page.windowEndMs).toBe(T0 - 5 * WINDOW);
        expect(page.tiles).toEqual([tiles[5]]);
      });

      contractCase('applies the bbox and the limit to the merged tiles', async () => {
        const store = await fresh();
        await store.commitBatch(commit({ tiles }));
        const [lon, lat] = DOWNTOWN.centroid;

        const boxed = await store.readTileRange({
          limit: 100,
          minutes: 60,
          bbox: [lon - 0.005, lat - 0.005, lon + 0.005, lat + 0.005],
        });
        expect(boxed.tiles.map((t) => t.cellId)).toEqual([DOWNTOWN.cellId]);
        const capped = await store.readTileRange({ limit: 1, minutes: 60 });
        expect(capped).toMatchObject({
          truncated: true,
          tiles: [{ cellId: DOWNTOWN.cellId, count: 105 }],
        });
      });
    });

    describe('readPositions', () => {
      const newest = position({ vehicleId: 'y1', tsMs: T0 });
      const edge = position({ vehicleId: 'y2', tsMs: T0 - 600_000, lat: 42.25, lon: -71.0 });
      const old = position({ vehicleId: 'y3', tsMs: T0 - 600_001 });
      const plane = position({
        provider: 'opensky',
        vehicleId: 'a0b1c2',
        tsMs: T0 - 3_600_000,
        lat: 42.37,
        lon: -71.01,
      });

      contractCase(
        'keeps positions within maxAgeSec of the newest position, not of the wall clock',
        async () => {
          const store = await fresh();
          await store.commitBatch(commit({ positions: [old, plane, edge, newest] }));

          const page = await store.readPositions({ limit: 100, maxAgeSec: 600 });
          expect(page).toMatchObject({ positions: [newest, edge], truncated: false });
          if (page.clockMs !== undefined) expect(page.clockMs).toBe(newest.tsMs);
        },
      );

      contractCase('measures the age from the newest position of the named providers', async () => {
        const store = await fresh();
        await store.commitBatch(commit({ positions: [old, plane, edge, newest] }));

        const page = await store.readPositions({
          limit: 100,
          maxAgeSec: 60,
          providers: ['opensky'],
        });
        expect(page.positions).toEqual([plane]);
        if (page.clockMs !== undefined) expect(page.clockMs).toBe(plane.tsMs);
      });

      contractCase('applies the bbox and the limit', async () => {
        const store = await fresh();
        await store.commitBatch(commit({ positions: [old, plane, edge, newest] }));

        const boxed = await store.readPositions({
          limit: 100,
          maxAgeSec: 86_400,
          bbox: [-71.05, 42.2, -70.95, 42.3],
        });
        expect(boxed.positions).toEqual([edge]);
        expect(await store.readPositions({ limit: 1, maxAgeSec: 86_400 })).toMatchObject({
          positions: [newest],
          truncated: true,
        });
        expect(await store.readPositions({ limit: 4, maxAgeSec: 86_400 })).toMatchObject({
          truncated: false,
        });
      });

      contractCase('returns an empty page from an empty store', async () => {
        const store = await fresh();
        const page = await store.readPositions({ limit: 100, maxAgeSec: 600 });
        expect(page).toMatchObject({ positions: [], truncated: false });
        expect(page.clockMs ?? null).toBeNull();
      });
    });

    describe('sweepExpired', () => {
      contractCase(
        'deletes the tiles whose staleAt is at or before the clock, and counts them',
        async () => {
          const store = await fresh();
          const clock = T0 + 50 * MINUTE;
          const kept = tile({ ...QUINCY, staleAtMs: clock + 1 });
          await store.commitBatch(
            commit({
              tiles: [
                tile({ staleAtMs: clock - 1 }),
                tile({ ...CAMBRIDGE, staleAtMs: clock }),
                kept,
              ],
            }),
          );

          expect(await store.sweepExpired(clock)).toBe(2);
          expect(await store.sweepExpired(clock)).toBe(0);
          expect((await store.readLatestTiles({ limit: 100 })).tiles).toEqual([kept]);
        },
      );
    });

    describe('health', () => {
      contractCase('answers ok with the kind of store', async () => {
        const store = await fresh();
        expect(await store.health()).toMatchObject({ ok: true, kind: store.kind });
      });
    });
  });
}

import fc from 'fast-check';
import { latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { restoreEngine, snapshotEngine } from '../../src/engine/engine-state.js';
import { MicroBatchEngine } from '../../src/engine/micro-batch-engine.js';
import { DEFAULT_ENGINE_SETTINGS } from '../../src/config.js';
import type { InputRecord } from '../../src/event/position-event.js';
import { BOSTON, EngineHarness, NOW, msg } from './engine-helpers.js';

const T0 = Date.parse('2025-10-04T10:00:00Z');
const MIN = 60_000;

describe('report identity', () => {
  it('counts a report polled twice in one batch once', () => {
    const h = new EngineHarness().batch([msg({ ts: T0 }), msg({ ts: T0 })]);
    expect(h.engine.stats).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(h.totalCount()).toBe(1);
  });

  it('counts a report re-sent in a later batch once', () => {
    const h = new EngineHarness().batch([msg({ ts: T0 })]).batch([msg({ ts: T0 })]);
    expect(h.engine.stats).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(h.totalCount()).toBe(1);
  });

  it('treats the same instant written with another offset as the same report', () => {
    const h = new EngineHarness().batch([
      msg({ ts: '2025-10-04T10:00:00Z' }),
      msg({ ts: '2025-10-04T06:00:00.000-04:00' }),
    ]);
    expect(h.engine.stats.duplicates).toBe(1);
  });

  it('keeps reports of other providers, vehicles or times apart', () => {
    const h = new EngineHarness().batch([
      msg({ ts: T0 }),
      msg({ ts: T0, provider: 'sim' }),
      msg({ ts: T0, vehicleId: 'y2' }),
      msg({ ts: T0 + 1 }),
    ]);
    expect(h.engine.stats).toMatchObject({ accepted: 4, duplicates: 0 });
  });

  it('counts a re-sent report with moved coordinates as a duplicate, keeping the first', () => {
    const moved = { lat: BOSTON.lat + 0.05 };
    const h = new EngineHarness().batch([msg({ ts: T0 }), msg({ ts: T0, ...moved })]);
    expect(h.engine.stats.duplicates).toBe(1);
    expect(h.position('y1')!.lat).toBe(BOSTON.lat);
    expect(h.tileList().map((t) => t.cellId)).toEqual([latLngToCell(BOSTON.lat, BOSTON.lon, 8)]);
  });
});

describe('windows', () => {
  it('aligns to the epoch in UTC', () => {
    const h = new EngineHarness().batch([
      msg({ ts: '2025-10-04T10:04:59.999Z' }),
      msg({ ts: '2025-10-04T10:05:00.000Z', vehicleId: 'y2' }),
    ]);
    expect(h.tileList().map((t) => new Date(t.windowStartMs).toISOString())).toEqual([
      '2025-10-04T10:00:00.000Z',
      '2025-10-04T10:05:00.000Z',
    ]);
  });

  it('aligns windows that do not divide an hour to the epoch, not to the hour', () => {
    const h = new EngineHarness({ tileMinutes: 7 }).batch([msg({ ts: '2025-10-04T10:00:00Z' })]);
    const start = h.tileList()[0]!.windowStartMs;
    expect(start % (7 * MIN)).toBe(0);
    expect(start).toBeLessThanOrEqual(T0);
    expect(start + 7 * MIN).toBeGreaterThan(T0);
    expect(start).not.toBe(T0);
  });

  it('buckets a local-offset time by its UTC instant', () => {
    const h = new EngineHarness().batch([msg({ ts: '2025-10-04T06:04:59-04:00' })]);
    expect(h.tileList()[0]!.windowStartMs).toBe(T0);
  });

  it('aligns times before 1970 too', () => {
    const h = new EngineHarness().batch([msg({ ts: '1969-12-31T23:58:00Z' })]);
    expect(h.tileList()[0]!.windowStartMs).toBe(-5 * MIN);
  });
});

describe('cells', () => {
  it('uses the H3 cell at the configured resolution as lowercase hex', () => {
    const h = new EngineHarness({ res: 5 }).batch([msg({ ts: T0 })]);
    const tile = h.tileList()[0]!;
    expect(tile.cellId).toBe(latLngToCell(BOSTON.lat, BOSTON.lon, 5));
    expect(tile.cellId).toMatch(/^[0-9a-f]{15}$/);
    expect(tile.grid).toBe('h3r5');
  });

  it('puts the centroid at the cell centre in [lon, lat] order', () => {
    const tile = new EngineHarness().batch([msg({ ts: T0 })]).tileList()[0]!;
    expect(tile.centroid[0]).toBeCloseTo(BOSTON.lon, 2);
    expect(tile.centroid[1]).toBeCloseTo(BOSTON.lat, 2);
  });
});

describe('watermark', () => {
  it('lets nothing be late in the first micro-batch', () => {
    const h = new EngineHarness().batch([
      msg({ ts: T0 + 60 * MIN }),
      msg({ ts: T0, vehicleId: 'y2' }),
    ]);
    expect(h.engine.stats).toMatchObject({ accepted: 2, late: 0 });
  });

  it('is the largest ts minus WATERMARK_SECONDS', () => {
    const h = new EngineHarness({ watermarkSeconds: 600 }).batch([
      msg({ ts: T0 }),
      msg({ ts: T0 + 5 * MIN, vehicleId: 'y2' }),
    ]);
    expect(h.engine.stats.watermarkMs).toBe(T0 + 5 * MIN - 600_000);
  });

  it('advances only between micro-batches', () => {
    const h = new EngineHarness().batch([
      msg({ ts: T0 + 30 * MIN }),
      msg({ ts: T0, vehicleId: 'y2' }),
    ]);
    expect(h.engine.stats.late).toBe(0);
    h.batch([msg({ ts: T0, vehicleId: 'y3' })]);
    expect(h.engine.stats.late).toBe(1);
  });

  it('counts an event exactly at the watermark as late (eventTime <= watermark)', () => {
    const h = new EngineHarness({ watermarkSeconds: 600 }).batch([msg({ ts: T0 + 10 * MIN })]);
    h.batch([msg({ ts: T0, vehicleId: 'y2' }), msg({ ts: T0 + 1, vehicleId: 'y3' })]);
    expect(h.engine.stats).toMatchObject({ late: 1, accepted: 2 });
  });

  it('never moves back', () => {
    const h = new EngineHarness().batch([msg({ ts: T0 + 60 * MIN })]);
    const before = h.engine.stats.watermarkMs;
    h.batch([msg({ ts: T0 + 55 * MIN, vehicleId: 'y2' })]);
    expect(h.engine.stats.watermarkMs).toBe(before);
  });

  it('checks lateness before dedupe, so a late re-send counts as late', () => {
    const h = new EngineHarness()
      .batch([msg({ ts: T0 })])
      .batch([msg({ ts: T0 + 60 * MIN, vehicleId: 'y2' })]);
    h.batch([msg({ ts: T0 })]);
    expect(h.engine.stats).toMatchObject({ accepted: 2, duplicates: 0, late: 1 });
  });

  it('keeps late reports out of tiles and dedupe sets', () => {
    const h = new EngineHarness().batch([msg({ ts: T0 + 60 * MIN })]);
    h.batch([msg({ ts: T0, vehicleId: 'y2' })]);
    expect(h.tileList().map((t) => t.count)).toEqual([1]);
    expect(h.engine.isRemembered('mbta', 'y2', T0)).toBe(false);
  });

  it('evicts a window from state once its end is at or before the watermark', () => {
    const h = new EngineHarness({ watermarkSeconds: 0 }).batch([msg({ ts: T0 })]);
    expect(h.engine.openWindowStarts()).toEqual([T0]);
    h.batch([msg({ ts: T0 + 5 * MIN, vehicleId: 'y2' })]);
    expect(h.engine.openWindowStarts()).toEqual([T0 + 5 * MIN]);
  });
});

describe('tiles', () => {
  it('counts unique reports and distinct vehicles', () => {
    const h = new EngineHarness().batch([
      msg({ ts: T0, vehicleId: 'a' }),
      msg({ ts: T0 + 1000, vehicleId: 'a' }),
      msg({ ts: T0 + 2000, vehicleId: 'b' }),
      msg({ ts: T0 + 2000, vehicleId: 'b' }),
    ]);
    expect(h.tileList()[0]).toMatchObject({ count: 3, vehicles: 2 });
  });

  it('averages non-null speeds only and counts the samples', () => {
    const h = new EngineHarness().batch([
      msg({ ts: T0, speedKmh: 10 }),
      msg({ ts: T0 + 1, speedKmh: 20 }),
      msg({ ts: T0 + 2, speedKmh: null }),
      msg({ ts: T0 + 3 }),
    ]);
    expect(h.tileList()[0]).toMatchObject({ count: 4, avgSpeedKmh: 15, speedSamples: 2 });
  });

  it('leaves the average null when no report has a speed', () => {
    const h = new EngineHarness().batch([msg({ ts: T0 })]);
    expect(h.tileList()[0]).toMatchObject({ avgSpeedKmh: null, speedSamples: 0 });
  });

  it('sets windowEnd and staleAt = windowEnd + TTL_MINUTES', () => {
    const h = new EngineHarness({ ttlMinutes: 45 }).batch([msg({ ts: T0 + 1000 })]);
    expect(h.tileList()[0]).toMatchObject({ windowEndMs: T0 + 5 * MIN, staleAtMs: T0 + 50 * MIN });
  });

  it('returns totals, so a changed tile carries every report so far', () => {
    const h = new EngineHarness().batch([msg({ ts: T0 })]);
    const out = h.engine.processBatch([msg({ ts: T0 + 1000, vehicleId: 'y2' })], NOW);
    expect(out.tiles.map((t) => t.count)).toEqual([2]);
  });

  it('keeps providers in separate tiles of the same cell and window', () => {
    const h = new EngineHarness().batch([msg({ ts: T0 }), msg({ ts: T0, provider: 'sim' })]);
    expect(h.tileList().map((t) => [t.provider, t.count])).toEqual(
      expect.arrayContaining([
        ['mbta', 1],
        ['sim', 1],
      ]),
    );
  });
});

describe('latest position', () => {
  it('keeps the report with the greatest ts whatever the order of arrival', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7], { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        (order, cut) => {
          const h = new EngineHarness({ watermarkSeconds: 86_400 });
          const records = order.map((i) => msg({ ts: T0 + i * 1000, lat: 42 + i / 100 }));
          h.batch(records.slice(0, cut)).batch(records.slice(cut));
          expect(h.position('y1')!.tsMs).toBe(T0 + 7000);
          expect(h.position('y1')!.lat).toBe(42.07);
        },
      ),
    );
  });

  it('is not replaced by a report of equal ts', () => {
    const h = new EngineHarness()
      .batch([msg({ ts: T0, lat: 42.1 })])
      .batch([msg({ ts: T0, lat: 42.2 })]);
    expect(h.position('y1')!.lat).toBe(42.1);
  });

  it('is moved forward by a late report newer than the stored one', () => {
    const h = new EngineHarness().batch([
      msg({ ts: T0, vehicleId: 'slow' }),
      msg({ ts: T0 + 60 * MIN }),
    ]);
    h.batch([msg({ ts: T0 + 5 * MIN, vehicleId: 'slow', lat: 42.5 })]);
    expect(h.engine.stats.late).toBe(1);
    expect(h.position('slow')).toMatchObject({ tsMs: T0 + 5 * MIN, lat: 42.5 });
  });

  it('keeps the extension fields of the report', () => {
    const h = new EngineHarness().batch([
      msg({ ts: T0, label: '1712', routeId: '1', altitudeM: 120, onGround: false, mode: 'bus' }),
    ]);
    expect(h.position('y1')).toMatchObject({
      label: '1712',
      routeId: '1',
      altitudeM: 120,
      onGround: false,
      mode: 'bus',
    });
  });
});

describe('counters', () => {
  const anyRecord: fc.Arbitrary<InputRecord> = fc.oneof(
    fc
      .record({ v: fc.constantFrom('a', 'b', 'c'), dt: fc.integer({ min: -40, max: 40 }) })
      .map(({ v, dt }) => msg({ vehicleId: v, ts: T0 + dt * MIN })),
    fc.string().map((s): InputRecord => ({ kind: 'raw', value: s })),
    fc.constant<InputRecord>({ kind: 'rejected', reason: 'no_position', detail: 'no lat' }),
    fc.constant(msg({ lat: 0, lon: 0 })),
  );

  it('always adds up to the records that came in, and tiles hold exactly the accepted reports', () => {
    fc.assert(
      fc.property(fc.array(fc.array(anyRecord, { maxLength: 30 }), { maxLength: 6 }), (batches) => {
        const h = new EngineHarness();
        for (const b of batches) h.batch(b);
        const s = h.engine.stats;
        const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
        const total = batches.reduce((n, b) => n + b.length, 0);
        expect(s.accepted + s.duplicates + s.late + rejected).toBe(total);
        expect(h.totalCount()).toBe(s.accepted);
      }),
    );
  });

  it('keeps every rejected record as a dead letter with its reason', () => {
    const out = new MicroBatchEngine(DEFAULT_ENGINE_SETTINGS).processBatch(
      [{ kind: 'raw', value: '{oops' }, msg({ lat: 91 }), msg({ ts: T0 })],
      NOW,
    );
    expect(out.deadLetters.map((d) => d.reason)).toEqual(['bad_json', 'bad_coordinates']);
    expect(out.deadLetters[0]!.raw).toBe('{oops');
    expect(out.deadLetters[1]!.provider).toBe('mbta');
  });
});

describe('exactly-once effect', () => {
  it('gives the same tiles when restored from a snapshot between any two batches', () => {
    const batches: InputRecord[][] = [];
    for (let b = 0; b < 8; b++) {
      const records: InputRecord[] = [];
      for (let i = 0; i < 40; i++) {
        const v = `v${(b * 7 + i) % 13}`;
        records.push(
          msg({
            vehicleId: v,
            ts: T0 + (b * 3 + (i % 5)) * MIN - (i % 11) * 90_000,
            lat: 42.3 + (i % 9) / 50,
            speedKmh: i % 3 ? i : null,
          }),
        );
      }
      batches.push(records);
    }
    const straight = new EngineHarness();
    for (const b of batches) straight.batch(b);

    for (let cut = 1; cut < batches.length; cut++) {
      const first = new EngineHarness();
      for (const b of batches.slice(0, cut)) first.batch(b);
      const second = new EngineHarness();
      restoreEngine(second.engine, snapshotEngine(first.engine));
      for (const [k, v] of first.tiles) second.tiles.set(k, v);
      for (const [k, v] of first.positions) second.positions.set(k, v);
      for (const b of batches.slice(cut)) second.batch(b);
      expect(second.tileList()).toEqual(straight.tileList());
      expect(second.engine.stats).toEqual(straight.engine.stats);
    }
  });

  it('refuses a checkpoint written with another resolution', () => {
    const text = snapshotEngine(new MicroBatchEngine({ ...DEFAULT_ENGINE_SETTINGS, res: 7 }));
    expect(() => restoreEngine(new MicroBatchEngine(DEFAULT_ENGINE_SETTINGS), text)).toThrow(
      /res 7/,
    );
  });
});

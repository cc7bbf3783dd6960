import { describe, expect, it } from 'vitest';

import type { InputRecord } from '../../src/event/position-event.js';
import { rfc3339ToMs } from '../../src/event/rfc3339.js';
import type { LogEntry } from '../../src/log/event-log.js';
import type { RecordBatch } from '../../src/sources/record-batch.js';
import {
  createReplaySource,
  loadReplayBatches,
  mergeByCaptureTime,
  type ReplayOptions,
} from '../../src/sources/replay-source.js';
import { HAVE_RECORDINGS, recording } from '../support/recordings.js';

const T0 = Date.parse('2019-03-13T04:34:00.000Z');
const NOW = Date.parse('2025-10-04T10:00:00.000Z');

function event(vehicleId: string, ts: string, provider = 'mbta'): InputRecord {
  return {
    kind: 'event',
    event: { provider, vehicleId, lat: 42.35, lon: -71.06, ts, bearing: 90 },
  };
}

function batch(captureMs: number | null, ...records: InputRecord[]): RecordBatch {
  return { captureMs, label: `snapshot@${captureMs}`, records };
}

function eventOf(record: InputRecord | undefined): Record<string, unknown> {
  if (record?.kind !== 'event') throw new Error('not an event record');
  return record.event;
}

/** A snapshot whose one event was reported at the capture time. */
function tick(offsetSec: number, vehicleId = 'y1731'): RecordBatch {
  const captureMs = T0 + offsetSec * 1000;
  return batch(captureMs, event(vehicleId, new Date(captureMs).toISOString()));
}

interface Append {
  at: number;
  entries: LogEntry[];
}

/** Plays a replay on a fake clock whose sleep moves time on at once; stops after `stopAfter` appends. */
async function play(batches: RecordBatch[], opts: ReplayOptions, stopAfter = Infinity) {
  let clock = NOW;
  const sleeps: number[] = [];
  const appends: Append[] = [];
  const controller = new AbortController();
  const source = createReplaySource(batches, {
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    ...opts,
  });

  await source.run(async (entries) => {
    appends.push({ at: clock, entries });
    if (appends.length >= stopAfter) controller.abort();
  }, controller.signal);
  return { sleeps, appends };
}

function tsOf(entry: LogEntry): number {
  return rfc3339ToMs(JSON.parse(entry.value).ts as string)!;
}

describe('createReplaySource', () => {
  it('plays every snapshot once, in order, as one append each', async () => {
    const batches = [tick(0, 'a'), tick(10, 'b'), tick(20, 'c')];

    const { appends } = await play(batches, { loop: false, rebase: false });

    expect(appends.map((a) => a.entries.map((e) => e.key))).toEqual([
      ['mbta:a'],
      ['mbta:b'],
      ['mbta:c'],
    ]);
  });

  it('spaces snapshots as they were captured, divided by the speed factor', async () => {
    const { sleeps, appends } = await play([tick(0), tick(10), tick(40)], {
      loop: false,
      speed: 2,
      maxGapMs: Infinity,
    });

    expect(sleeps).toEqual([5_000, 15_000]);
    expect(appends.map((a) => a.at - NOW)).toEqual([0, 5_000, 20_000]);
  });

  it('caps a long gap at maxGapMs of wall time', async () => {
    const { sleeps } = await play([tick(0), tick(10), tick(610)], { loop: false, maxGapMs: 3_000 });

    expect(sleeps).toEqual([3_000, 3_000]);
  });

  it('rebases every event time by the same shift, the first snapshot landing now', async () => {
    const firstEvents = [
      event('y1731', '2019-03-13T00:34:08-04:00'),
      event('a715c0', '2019-03-13T04:33:59.250Z', 'opensky'),
    ];
    const rawEvent =
      '{"provider":"sim","vehicleId":"s1","lat":1,"lon":2,"ts":"2019-03-13T04:34:10+00:00"}';
    const passedAsIs: InputRecord[] = [
      { kind: 'raw', value: 'not json' },
      { kind: 'raw', value: '{"provider":"sim","vehicleId":"s2","ts":"yesterday"}' },
      { kind: 'rejected', reason: 'no_position', detail: 'y1805 has no position', raw: '{}' },
    ];
    const batches = [
      batch(T0, ...firstEvents),
      batch(T0 + 15_000, { kind: 'raw', value: rawEvent }, ...passedAsIs),
    ];

    const { appends } = await play(batches, { loop: false });
    const [first, second] = appends.map((a) => a.entries);

    const shift = NOW - T0;
    const originals = [...firstEvents.map(eventOf), JSON.parse(rawEvent)];
    const played = [...first!, second![0]!].map((e) => JSON.parse(e.value));
    played.forEach((shifted, i) => {
      const original = originals[i];
      expect(rfc3339ToMs(shifted.ts)).toBe(rfc3339ToMs(original.ts)! + shift);
      expect(shifted.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect({ ...shifted, ts: original.ts }).toEqual(original);
    });
    expect(played[0].ts).toBe('2025-10-04T10:00:08.000Z');
    expect(second!.slice(1)).toEqual([
      { key: '', value: 'not json' },
      { key: 'sim:s2', value: '{"provider":"sim","vehicleId":"s2","ts":"yesterday"}' },
      { key: '', value: '{}', reject: { reason: 'no_position', detail: 'y1805 has no position' } },
    ]);
  });

  it('keeps recorded values byte for byte without rebase', async () => {
    const batches = [batch(T0, event('y1731', '2019-03-13T00:34:08-04:00'))];

    const { appends } = await play(batches, { loop: false, rebase: false });

    expect(appends[0]!.entries[0]!.value).toBe(JSON.stringify(eventOf(batches[0]!.records[0])));
  });

  it('leaves the batches it plays unchanged', async () => {
    const records = [event('y1731', '2019-03-13T00:34:08-04:00')];
    records.forEach((r) => Object.freeze(eventOf(r)));
    const batches = [batch(T0, ...records), tick(10)];

    await play(batches, {}, 6);

    expect(eventOf(records[0]).ts).toBe('2019-03-13T00:34:08-04:00');
  });

  it('continues time in each pass one typical gap after the last snapshot of the pass before', async () => {
    // Gaps of 10, 10 and 20 s: the typical gap is 10 s, a pass lasts 40 s, a period 50 s.
    const batches = [tick(0), tick(10), tick(20), tick(40)];

    const { appends, sleeps } = await play(batches, { maxGapMs: Infinity }, 12);

    const times = appends.map((a) => tsOf(a.entries[0]!) - NOW);
    const seconds = [0, 10, 20, 40, 50, 60, 70, 90, 100, 110, 120, 140];
    expect(times).toEqual(seconds.map((s) => s * 1000));
    expect(sleeps).toEqual([10, 10, 20, 10, 10, 10, 20, 10, 10, 10, 20].map((s) => s * 1000));
  });

  it('never plays a (vehicle, ts) again in a later pass, even when reports lag their snapshot', async () => {
    // MBTA LAMP rows can lag their snapshot by many minutes: y1's first report is 110 s older
    // than its snapshot, while a pass lasts 20 s. A report re-sent within a pass stays a re-send.
    const iso = (sec: number) => new Date(T0 + sec * 1000).toISOString();
    const batches = [
      batch(T0, event('y1', iso(-110)), event('y2', iso(0))),
      batch(T0 + 10_000, event('y1', iso(10)), event('y2', iso(0))),
    ];

    const { appends } = await play(batches, {}, 20);

    const passesOf = new Map<string, Set<number>>();
    appends.forEach(({ entries }, i) => {
      for (const entry of entries) {
        const id = `${entry.key}@${(tsOf(entry) - NOW) / 1000}`;
        passesOf.set(id, (passesOf.get(id) ?? new Set()).add(Math.floor(i / batches.length)));
      }
    });
    expect([...passesOf.values()].every((passes) => passes.size === 1)).toBe(true);
    // Each pass moves on by 20 s; the lagging report would step y1 back, so only pass 0 has it.
    const y1 = [...passesOf.keys()].filter((id) => id.startsWith('mbta:y1@'));
    expect(y1).toEqual([
      'mbta:y1@-110',
      'mbta:y1@10',
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => `mbta:y1@${10 + 20 * k}`),
    ]);
    expect(passesOf.size).toBe(11 + 10);
  });

  it('keeps the first pass as recorded without rebase and moves later ones by whole periods', async () => {
    const batches = [tick(0), tick(10), tick(20), tick(40)];

    const { appends } = await play(batches, { rebase: false }, 9);

    const times = appends.map((a) => (tsOf(a.entries[0]!) - T0) / 1000);
    expect(times).toEqual([0, 10, 20, 40, 50, 60, 70, 90, 100]);
    expect(appends[0]!.entries[0]!.value).toContain(`"ts":"${new Date(T0).toISOString()}"`);
  });

  it('stops between two appends once aborted', async () => {
    const { appends } = await play([tick(0), tick(10), tick(20)], {}, 2);

    expect(appends).toHaveLength(2);
  });

  it('stops during a long wait once aborted', async () => {
    const controller = new AbortController();
    const appends: LogEntry[][] = [];
    const source = createReplaySource([tick(0), tick(3600)], { maxGapMs: Infinity });
    const started = Date.now();
    setTimeout(() => controller.abort(), 30);

    await source.run(async (entries) => void appends.push(entries), controller.signal);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(appends).toHaveLength(1);
  });

  it('plays nothing when aborted before it starts, or when there is nothing to play', async () => {
    const appends: LogEntry[][] = [];
    const sink = async (entries: LogEntry[]) => void appends.push(entries);

    await createReplaySource([tick(0)]).run(sink, AbortSignal.abort());
    await createReplaySource([]).run(sink, new AbortController().signal);

    expect(appends).toEqual([]);
  });

  it('refuses a speed that is not above 0', () => {
    expect(() => createReplaySource([], { speed: 0 })).toThrow(
      expect.objectContaining({ code: 'HM_USAGE' }),
    );
    expect(() => createReplaySource([], { maxGapMs: -1 })).toThrow(/maxGapMs/);
  });
});

describe('mergeByCaptureTime', () => {
  it('orders snapshots by capture time, keeping the order of files and snapshots for equal times', () => {
    const [a0, a1, a2] = [batch(10), batch(null), batch(30)];
    const [b0, b1] = [batch(20), batch(10)];
    const [c0, c1] = [batch(null), batch(null)];

    const merged = mergeByCaptureTime([
      [a0!, a1!, a2!],
      [b0!, b1!],
      [c0!, c1!],
    ]);

    // a1 has no time and stays behind a0; the file without times stays after file b.
    expect(merged).toEqual([a0, a1, b1, c0, c1, b0, a2]);
    expect(merged[0]).toBe(a0);
  });

  it('puts the snapshots of a file without times first when no file before it has one', () => {
    const untimed = batch(null);
    const timed = batch(5);

    expect(mergeByCaptureTime([[untimed], [timed]])).toEqual([untimed, timed]);
  });
});

describe.skipIf(!HAVE_RECORDINGS)('loadReplayBatches on real recordings', () => {
  const opensky = (time: string) =>
    recording(`opensky/2021-03-07T${time}Z_MarciMilligan-pythons-on-a-plane_opensky.json`);

  it('merges files given out of order by capture time', async () => {
    const batches = await loadReplayBatches([
      opensky('092519'),
      opensky('090650'),
      recording('mbta/2019-03-13_ShiqingLiuMIT-hw4_db.json'),
      opensky('091149'),
    ]);

    expect(batches.map((b) => b.captureMs)).toEqual([
      Date.parse('2019-03-13T05:34:34Z'),
      Date.parse('2021-03-07T09:06:50Z'),
      Date.parse('2021-03-07T09:11:49Z'),
      Date.parse('2021-03-07T09:25:19Z'),
    ]);
  });

  it('loops half an hour of the whole MBTA fleet, in step with the clock, repeating no report', async () => {
    const batches = await loadReplayBatches([
      recording(
        'mbta-lamp/2022-11-22T030001Z_mbta-lamp_7ea9804ec59a4f2ba8039991c6eb47f1-0.parquet',
      ),
    ]);
    const passes = [new Set<string>(), new Set<string>()];
    const rows = [0, 0];
    let [appends, replayed, ahead] = [0, 0, -Infinity];
    const controller = new AbortController();
    let clock = NOW;
    const source = createReplaySource(batches, {
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });

    await source.run(async (entries) => {
      const pass = appends < batches.length ? 0 : 1;
      for (const entry of entries) {
        const ts = tsOf(entry);
        const id = `${entry.key}@${ts}`;
        if (pass === 1 && passes[0]!.has(id)) replayed += 1;
        passes[pass]!.add(id);
        ahead = Math.max(ahead, ts - clock);
      }
      rows[pass] = rows[pass]! + entries.length;
      appends += 1;
      if (appends === 2 * batches.length) controller.abort();
    }, controller.signal);

    expect(passes[0]!.size).toBeGreaterThan(50_000);
    expect(replayed).toBe(0);
    // Left out of the second pass: the few reports that lag their snapshot by more than a pass.
    expect(rows[1]! / rows[0]!).toBeGreaterThan(0.99);
    expect(passes[1]!.size / passes[0]!.size).toBeGreaterThan(0.99);
    expect(ahead).toBeLessThanOrEqual(0);
  }, 60_000);
});

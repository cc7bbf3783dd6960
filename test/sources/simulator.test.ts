import { greatCircleDistance } from 'h3-js';
import { describe, expect, it } from 'vitest';

import type { InputRecord } from '../../src/event/position-event.js';
import { rfc3339ToMs } from '../../src/event/rfc3339.js';
import type { LogEntry } from '../../src/log/event-log.js';
import type { RecordBatch } from '../../src/sources/record-batch.js';
import { loadReplayBatches } from '../../src/sources/replay-source.js';
import {
  DEFAULT_CITY,
  SPEED_RANGES_KMH,
  createSimulatorSource,
  mulberry32,
  type SimulatorOptions,
} from '../../src/sources/simulator.js';
import { HAVE_RECORDINGS, recording } from '../support/recordings.js';

const NOW = Date.parse('2025-10-04T10:00:00.000Z');

interface Report {
  lat: number;
  lon: number;
  ts: string;
  speedKmh: number;
  bearing: number;
  mode: 'bus' | 'train';
  [field: string]: unknown;
}

/** Runs the simulator on a fake clock whose sleep moves time on at once. */
async function simulate(opts: SimulatorOptions, ticks: number) {
  let clock = NOW;
  const appends: { at: number; entries: LogEntry[] }[] = [];
  const source = createSimulatorSource({
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
    maxTicks: ticks,
    ...opts,
  });
  await source.run(
    async (entries) => void appends.push({ at: clock, entries }),
    new AbortController().signal,
  );
  const entries = appends.flatMap((a) => a.entries);
  return { appends, entries, reports: entries.map((e) => JSON.parse(e.value) as Report) };
}

/** Each vehicle's reports in time order, re-sends left out. */
function tracks(entries: LogEntry[]): Map<string, Report[]> {
  const byVehicle = new Map<string, Report[]>();
  const seen = new Set<string>();
  for (const entry of entries) {
    const report = JSON.parse(entry.value) as Report;
    if (seen.has(`${entry.key}@${report.ts}`)) continue;
    seen.add(`${entry.key}@${report.ts}`);
    byVehicle.set(entry.key, [...(byVehicle.get(entry.key) ?? []), report]);
  }
  return byVehicle;
}

const km = (a: Report, b: { lat: number; lon: number }) =>
  greatCircleDistance([a.lat, a.lon], [b.lat, b.lon], 'km');

/** Course from a to b, by the haversine-world formula written out here on its own. */
function courseDeg(a: Report, b: Report): number {
  const r = Math.PI / 180;
  const y = Math.sin((b.lon - a.lon) * r) * Math.cos(b.lat * r);
  const x =
    Math.cos(a.lat * r) * Math.sin(b.lat * r) -
    Math.sin(a.lat * r) * Math.cos(b.lat * r) * Math.cos((b.lon - a.lon) * r);
  return (Math.atan2(y, x) / r + 360) % 360;
}

describe('mulberry32', () => {
  it('gives the same numbers in [0, 1) for the same seed', () => {
    const a = Array.from({ length: 1000 }, mulberry32(42));
    const b = Array.from({ length: 1000 }, mulberry32(42));

    expect(a).toEqual(b);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(a).size).toBe(1000);
    expect(Array.from({ length: 5 }, mulberry32(43))).not.toEqual(a.slice(0, 5));
  });
});

describe('createSimulatorSource', () => {
  it('gives identical messages for the same seed and clock', async () => {
    const first = await simulate({ vehicles: 40, seed: 7 }, 60);
    const second = await simulate({ vehicles: 40, seed: 7 }, 60);

    expect(first.entries.length).toBeGreaterThan(200);
    expect(second.entries).toEqual(first.entries);
  });

  it('gives other messages for another seed', async () => {
    const first = await simulate({ vehicles: 40, seed: 7 }, 30);
    const other = await simulate({ vehicles: 40, seed: 8 }, 30);

    expect(other.entries).not.toEqual(first.entries);
  });

  it('makes 300 vehicles around Boston by default, provider sim, ids sim-0001 on', async () => {
    const { entries, reports } = await simulate({}, 15);

    const keys = new Set(entries.map((e) => e.key));
    expect(keys.size).toBe(300);
    expect(keys.has('sim:sim-0001') && keys.has('sim:sim-0300')).toBe(true);
    for (const report of reports) {
      expect(report).toMatchObject({
        provider: 'sim',
        vehicleId: expect.stringMatching(/^sim-\d{4}$/),
      });
      expect(report.label).toEqual(expect.any(String));
      expect(report.routeId).toEqual(expect.any(String));
      expect(km(report, DEFAULT_CITY)).toBeLessThan(DEFAULT_CITY.radiusKm + 1);
    }
  });

  it('reports every reportEverySec, give or take a fifth, one append per tick', async () => {
    const { appends } = await simulate({ vehicles: 50, reportEverySec: 10, tickMs: 1000 }, 300);

    expect(appends.length).toBeLessThanOrEqual(300);
    for (const { at, entries } of appends) {
      for (const entry of entries)
        expect(rfc3339ToMs(JSON.parse(entry.value).ts)).toBeLessThanOrEqual(at);
    }
    for (const track of tracks(appends.flatMap((a) => a.entries)).values()) {
      for (let i = 1; i < track.length; i += 1) {
        const seconds = (rfc3339ToMs(track[i]!.ts)! - rfc3339ToMs(track[i - 1]!.ts)!) / 1000;
        expect(seconds).toBeGreaterThanOrEqual(8);
        expect(seconds).toBeLessThanOrEqual(12);
      }
    }
  });

  it('keeps vehicles within the radius, turning them back at the edge', async () => {
    const { reports } = await simulate({ vehicles: 100, radiusKm: 2, seed: 3 }, 1800);

    const distances = reports.map((r) => km(r, DEFAULT_CITY));
    // The margin is one report interval at the highest train speed: 90 km/h for 12 s is 300 m.
    expect(Math.max(...distances)).toBeLessThan(2 + 0.3);
    expect(distances.filter((d) => d > 1.9).length).toBeGreaterThan(10);
  });

  it('drives buses at 10-50 km/h and trains at 30-90 km/h, some stopped', async () => {
    const { reports } = await simulate({ vehicles: 200 }, 120);

    for (const report of reports) {
      const [low, high] = SPEED_RANGES_KMH[report.mode];
      if (report.speedKmh !== 0) {
        expect(report.speedKmh).toBeGreaterThanOrEqual(low);
        expect(report.speedKmh).toBeLessThanOrEqual(high);
      }
      expect(report.bearing).toBeGreaterThanOrEqual(0);
      expect(report.bearing).toBeLessThan(360);
    }
    const share = (test: (r: Report) => boolean) => reports.filter(test).length / reports.length;
    expect(share((r) => r.speedKmh === 0)).toBeGreaterThan(0.02);
    expect(share((r) => r.mode === 'train')).toBeGreaterThan(0.1);
    expect(share((r) => r.mode === 'bus')).toBeGreaterThan(0.6);
  });

  it('moves each vehicle as far, and in the direction, its next report says', async () => {
    const { entries } = await simulate({ vehicles: 60, seed: 11 }, 600);

    let checked = 0;
    for (const track of tracks(entries).values()) {
      for (let i = 1; i < track.length; i += 1) {
        const [a, b] = [track[i - 1]!, track[i]!];
        const hours = (rfc3339ToMs(b.ts)! - rfc3339ToMs(a.ts)!) / 3_600_000;
        const metres = km(a, b) * 1000;
        expect(Math.abs(metres - b.speedKmh * hours * 1000)).toBeLessThan(0.5);
        if (metres > 20) {
          const off = Math.abs(courseDeg(a, b) - b.bearing);
          expect(Math.min(off, 360 - off)).toBeLessThan(0.5);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('re-sends a small share of reports byte for byte', async () => {
    const { entries } = await simulate({ vehicles: 100, resendShare: 0.05 }, 300);

    const byReport = new Map<string, LogEntry[]>();
    for (const entry of entries) {
      const id = `${entry.key}@${JSON.parse(entry.value).ts}`;
      byReport.set(id, [...(byReport.get(id) ?? []), entry]);
    }
    const resent = [...byReport.values()].filter((copies) => copies.length > 1);
    expect(resent.length / byReport.size).toBeGreaterThan(0.02);
    expect(resent.length / byReport.size).toBeLessThan(0.1);
    for (const copies of resent) {
      expect(copies).toHaveLength(2);
      expect(copies[1]!.value).toBe(copies[0]!.value);
    }
  });

  it('starts vehicles where a recording last saw them, keeping their label and route', async () => {
    const at = (vehicleId: string, lat: number, lon: number, ts: string): InputRecord => ({
      kind: 'event',
      event: {
        provider: 'gtfsrt.miway',
        vehicleId,
        lat,
        lon,
        ts,
        label: `L${vehicleId}`,
        routeId: '109',
      },
    });
    const startFrom: RecordBatch[] = [
      { captureMs: null, label: 'a', records: [at('1', 43.59, -79.64, '2025-10-26T21:53:00Z')] },
      {
        captureMs: null,
        label: 'b',
        records: [
          at('1', 43.6, -79.65, '2025-10-26T21:54:00Z'),
          at('2', 43.58, -79.62, '2025-10-26T21:54:00Z'),
          at('3', 0, 0, '2025-10-26T21:54:00Z'),
          {
            kind: 'raw',
            value:
              '{"provider":"gtfsrt.miway","vehicleId":"4","lat":43.57,"lon":-79.66,"ts":"2025-10-26T21:54:00Z"}',
          },
        ],
      },
    ];

    const { entries, reports } = await simulate({ vehicles: 5, startFrom }, 11);

    const first = new Map(entries.map((e, i) => [e.key, reports[i]!] as const).reverse());
    expect(first.get('sim:sim-0001')).toMatchObject({
      lat: 43.6,
      lon: -79.65,
      label: 'L1',
      routeId: '109',
    });
    expect(first.get('sim:sim-0002')).toMatchObject({ lat: 43.58, lon: -79.62, label: 'L2' });
    expect(first.get('sim:sim-0003')).toMatchObject({ lat: 43.57, lon: -79.66 });
    for (const report of reports) expect(km(report, { lat: 43.58, lon: -79.65 })).toBeLessThan(5);
  });

  it('stops once aborted', async () => {
    const controller = new AbortController();
    let appends = 0;
    const source = createSimulatorSource({ vehicles: 20, tickMs: 10, reportEverySec: 1 });

    await source.run(async () => {
      appends += 1;
      if (appends === 3) controller.abort();
    }, controller.signal);

    expect(appends).toBe(3);
  });

  it('refuses options out of range, naming them', () => {
    expect(() => createSimulatorSource({ vehicles: 0 })).toThrow(/vehicles/);
    expect(() => createSimulatorSource({ radiusKm: -1 })).toThrow(/radiusKm/);
    expect(() => createSimulatorSource({ lat: 91 })).toThrow(
      expect.objectContaining({ code: 'HM_USAGE' }),
    );
  });
});

describe.skipIf(!HAVE_RECORDINGS)('createSimulatorSource from a real recording', () => {
  it('carries on from the buses of route 1 in Boston', async () => {
    const startFrom = await loadReplayBatches([
      recording('mbta/2019-03-13_ShiqingLiuMIT-hw4_db.json'),
    ]);

    const { reports } = await simulate({ vehicles: 10, startFrom }, 20);

    const labels = new Set(reports.map((r) => r.label));
    for (const label of ['1731', '1737', '1742', '1805', '1823']) expect(labels).toContain(label);
    for (const report of reports) expect(km(report, DEFAULT_CITY)).toBeLessThan(15);
  });
});

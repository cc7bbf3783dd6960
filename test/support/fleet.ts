/**
 * A hand-written input of the pipeline tests: a Boston bus fleet with re-sent reports and bad
 * lines, and optionally aircraft on both sides of the antimeridian and far north, so that boxes,
 * provider filters and dead letters have work to do.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shape of the fleet; by default 30 rounds 20 s apart, 20 buses, 6 aircraft, labels on. */
export interface FleetOptions {
  /** Rounds of reports. */
  ticks?: number;
  /** Buses, `v0`... (every fifth report is sent twice; every fourth bus has no speed). */
  vehicles?: number;
  /** Time between rounds, in milliseconds. */
  stepMs?: number;
  /** Aircraft, `a0`..., alternating east and west of the antimeridian. */
  aircraft?: number;
  /** Buses carry a `label` extension. */
  labels?: boolean;
}

/**
 * Writes the fleet as NDJSON, starting at 2022-11-22T01:10:00Z (within a week of the MBTA
 * recordings the tests replay beside it). Each round ends with two bad lines: a cut JSON object
 * and a report at null island with a bad timestamp.
 *
 * @param dir - the folder to write `fleet.ndjson` into
 * @param options - rounds, buses, aircraft, the time between rounds, labels
 * @returns the file's path
 */
export function writeFleet(dir: string, options: FleetOptions = {}): string {
  const { ticks = 30, vehicles = 20, stepMs = 20_000, aircraft = 6, labels = true } = options;
  const file = join(dir, 'fleet.ndjson');
  const lines: string[] = [];
  const start = Date.parse('2022-11-22T01:10:00Z');
  for (let tick = 0; tick < ticks; tick++) {
    for (let v = 0; v < vehicles; v++) {
      const event = {
        provider: 'sim',
        vehicleId: `v${v}`,
        lat: 42.3 + v * 0.004 + tick * 0.0003,
        lon: -71.1 + v * 0.003,
        ts: new Date(start + tick * stepMs + v * 100).toISOString(),
        speedKmh: v % 4 === 0 ? null : 10 + v,
        ...(labels ? { label: `bus ${v}` } : {}),
      };
      lines.push(JSON.stringify(event));
      if (v % 5 === 0) lines.push(JSON.stringify(event));
    }
    for (let a = 0; a < aircraft; a++) {
      lines.push(
        JSON.stringify({
          provider: 'air',
          vehicleId: `a${a}`,
          lat: -16 + a * 14 + tick * 0.01,
          lon: a % 2 === 0 ? 179.9 - tick * 0.001 : -179.9 + tick * 0.001,
          ts: new Date(start + tick * stepMs + a).toISOString(),
          speedKmh: 800 + a,
          altitudeM: 10_000 + a,
          onGround: false,
        }),
      );
    }
    lines.push('{"provider":"sim","vehicleId":');
    lines.push(JSON.stringify({ provider: 'sim', vehicleId: 'z', lat: 0, lon: 0, ts: 'x' }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * A simulated fleet, for machines with neither internet nor recordings: buses and trains drive
 * around a city centre at plausible speeds, turn back toward it at the edge, stop now and then,
 * and report every few seconds as an AVL feed would. A few reports are sent twice, unchanged, as
 * polling an API re-sends a vehicle that has not moved on (SPEC 3 counts them once).
 *
 * The same seed and the same clock give the same messages, byte for byte.
 */
import { greatCircleDistance } from 'h3-js';
import { setImmediate } from 'node:timers/promises';

import { msToIso } from '../event/time-format.js';
import { UsageError } from '../errors.js';
import type { LogEntry } from '../log/event-log.js';
import { loggerFor } from '../logger.js';
import type { RecordBatch } from './record-batch.js';
import { seedAreaOf, seedVehiclesFrom, type SeedVehicle } from './simulator-seed.js';
import { recordToLogEntry, sleepUnlessAborted, type Sleep, type Source } from './source.js';

/** How the fleet is made and how it reports. */
export interface SimulatorOptions {
  /** Number of vehicles (default 300). */
  vehicles?: number;
  /** Latitude of the city centre (default Boston, 42.3601; else the median of `startFrom`). */
  lat?: number;
  /** Longitude of the city centre (default Boston, -71.0589; else the median of `startFrom`). */
  lon?: number;
  /** Radius of the area driven in, km (default 15; else what holds 95 % of `startFrom`). */
  radiusKm?: number;
  /** Seconds between two reports of a vehicle, jittered by ±20 % (default 10). */
  reportEverySec?: number;
  /** Milliseconds between two appends (default 1000). */
  tickMs?: number;
  /** Seed of the random generator (default 1). */
  seed?: number;
  /** Share of reports sent a second time, unchanged (default 0.05). */
  resendShare?: number;
  /** Start vehicles where a recording last saw them. */
  startFrom?: RecordBatch[];
  /** Stop after this many ticks (default: run until aborted). */
  maxTicks?: number;
  /** The clock, in epoch ms (default Date.now). */
  now?: () => number;
  /** How to wait (default a timer that an abort cuts short). */
  sleep?: Sleep;
}

/** The default city: Boston, where MBTA runs. */
export const DEFAULT_CITY = { lat: 42.3601, lon: -71.0589, radiusKm: 15 } as const;

/** Cruising speeds by mode, km/h: city buses and rapid-transit or commuter trains. */
export const SPEED_RANGES_KMH = { bus: [10, 50], train: [30, 90] } as const;

export type SimMode = keyof typeof SPEED_RANGES_KMH;

const TRAIN_SHARE = 0.2;
const STOPPED_SHARE = 0.1;
const STOP_CHANCE = 0.05;
const TRAIN_LINES = ['Red', 'Orange', 'Blue', 'Green'];
const EARTH_RADIUS_KM = 6371.0088; // IUGG mean radius
const PROGRESS_INTERVAL_MS = 60_000;

const log = loggerFor('sources').child({ source: 'simulator' });

/**
 * A small seeded generator (mulberry32, by Tommy Ettinger): 32 bits of state, good enough for
 * motion noise, and the same sequence on every platform.
 *
 * @param seed - any 32-bit integer
 * @returns a function giving numbers in [0, 1)
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimVehicle {
  vehicleId: string;
  label: string;
  routeId: string;
  mode: SimMode;
  lat: number;
  lon: number;
  /** Course and speed over the interval that ends at the next report. */
  bearing: number;
  speedKmh: number;
  cruiseKmh: number;
  /** Reports left before a stopped vehicle drives on. */
  dwell: number;
  movedAtMs: number;
  nextReportMs: number;
  last: LogEntry | null;
  resendAtMs: number;
}

interface SimSettings {
  lat: number;
  lon: number;
  radiusKm: number;
  reportMs: number;
  tickMs: number;
  resendShare: number;
  maxTicks: number;
  now: () => number;
  sleep: Sleep;
}

/**
 * Creates the simulated fleet as a source: one append per tick with every report that fell due.
 *
 * @param opts - see SimulatorOptions
 * @returns the source; each run starts the fleet anew from the seed
 * @throws UsageError when an option is out of range
 */
export function createSimulatorSource(opts: SimulatorOptions = {}): Source {
  const count = opts.vehicles ?? 300;
  checkRange('vehicles', count, 1, 100_000, true);
  const candidates = seedVehiclesFrom(opts.startFrom ?? []);
  const s = settingsOf(opts, candidates);
  const seeds = candidates
    .filter((v) => greatCircleDistance([v.lat, v.lon], [s.lat, s.lon], 'km') <= s.radiusKm)
    .slice(0, count);
  const seed = opts.seed ?? 1;

  return {
    name: 'simulator',
    async run(sink, signal) {
      const random = mulberry32(seed);
      const fleet = makeFleet(count, seeds, s, random, s.now());
      log.info(
        { vehicles: count, seed, lat: s.lat, lon: s.lon, radiusKm: s.radiusKm },
        'simulator started',
      );

      let dueMs = s.now();
      let reports = 0;
      let loggedAt = dueMs;
      for (let tick = 0; tick < s.maxTicks && !signal.aborted; tick += 1) {
        const entries = step(fleet, s, random, s.now());
        if (entries.length > 0) await sink(entries);
        reports += entries.length;
        log.debug({ tick, entries: entries.length }, 'simulator append');

        const nowMs = s.now();
        if (nowMs - loggedAt >= PROGRESS_INTERVAL_MS) {
          log.info({ ticks: tick + 1, reports }, 'simulator progress');
          loggedAt = nowMs;
        }
        dueMs = Math.max(dueMs + s.tickMs, nowMs);
        await (dueMs > nowMs ? s.sleep(dueMs - nowMs, signal) : setImmediate());
      }
      log.info({ reports, aborted: signal.aborted }, 'simulator stopped');
    },
  };
}

function settingsOf(opts: SimulatorOptions, seeds: SeedVehicle[]): SimSettings {
  const area = seeds.length > 0 ? seedAreaOf(seeds) : DEFAULT_CITY;
  const s: SimSettings = {
    lat: opts.lat ?? area.lat,
    lon: opts.lon ?? area.lon,
    radiusKm: opts.radiusKm ?? area.radiusKm,
    reportMs: (opts.reportEverySec ?? 10) * 1000,
    tickMs: opts.tickMs ?? 1000,
    resendShare: opts.resendShare ?? 0.05,
    maxTicks: opts.maxTicks ?? Number.POSITIVE_INFINITY,
    now: opts.now ?? Date.now,
    sleep: opts.sleep ?? sleepUnlessAborted,
  };
  checkRange('lat', s.lat, -85, 85);
  checkRange('lon', s.lon, -180, 180);
  checkRange('radiusKm', s.radiusKm, 0.1, 2000);
  checkRange('reportEverySec', s.reportMs / 1000, 1, 3600);
  checkRange('tickMs', s.tickMs, 10, 3_600_000);
  checkRange('resendShare', s.resendShare, 0, 1);
  if (opts.maxTicks !== undefined)
    checkRange('maxTicks', s.maxTicks, 0, Number.MAX_SAFE_INTEGER, true);
  return s;
}

function checkRange(name: string, value: number, min: number, max: number, integer = false): void {
  if (!(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
    const what = integer ? 'an integer' : 'a number';
    throw new UsageError(`simulator ${name} must be ${what} from ${min} to ${max}, got ${value}`);
  }
}

function makeFleet(
  count: number,
  starts: SeedVehicle[],
  s: SimSettings,
  random: () => number,
  startMs: number,
): SimVehicle[] {
  return Array.from({ length: count }, (_, i) => {
    const start = starts[i];
    const mode: SimMode = (start ? start.train : random() < TRAIN_SHARE) ? 'train' : 'bus';
    const [low, high] = SPEED_RANGES_KMH[mode];
    const seedSpeed = start?.speedKmh ?? Number.NaN;

    // Distance from the centre drawn uniformly, not the area: a city is densest in its core.
    const [lat, lon] = start
      ? [start.lat, start.lon]
      : destinationLatLng(s.lat, s.lon, random() * 360, random() * s.radiusKm);
    const cruiseKmh =
      seedSpeed >= low && seedSpeed <= high ? seedSpeed : low + random() * (high - low);
    const dwell = random() < STOPPED_SHARE ? 1 + Math.floor(random() * 6) : 0;
    const firstReportMs = startMs + Math.floor(random() * s.reportMs);
    const number = String(i + 1).padStart(4, '0');
    return {
      vehicleId: `sim-${number}`,
      label: start?.label ?? `${mode === 'bus' ? 'B' : 'T'}${number}`,
      routeId: start?.routeId ?? routeFor(mode, random),
      mode,
      lat,
      lon,
      bearing: start?.bearing ?? random() * 360,
      speedKmh: dwell > 0 ? 0 : cruiseKmh,
      cruiseKmh,
      dwell,
      movedAtMs: firstReportMs,
      nextReportMs: firstReportMs,
      last: null,
      resendAtMs: Number.POSITIVE_INFINITY,
    };
  });
}

function routeFor(mode: SimMode, random: () => number): string {
  return mode === 'bus'
    ? String(1 + Math.floor(random() * 120))
    : TRAIN_LINES[Math.floor(random() * TRAIN_LINES.length)]!;
}

/** One tick: the re-sends and the reports due at `nowMs`, vehicle by vehicle. */
function step(
  fleet: SimVehicle[],
  s: SimSettings,
  random: () => number,
  nowMs: number,
): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const v of fleet) {
    if (v.last !== null && v.resendAtMs <= nowMs) {
      entries.push(v.last);
      v.resendAtMs = Number.POSITIVE_INFINITY;
    }
    while (v.nextReportMs <= nowMs) {
      entries.push(report(v, s, random));
    }
  }
  return entries;
}

/**
 * The report of a vehicle at its due time: it drives the interval since its last report at the
 * course and speed it reports, then chooses those of the next interval.
 */
function report(v: SimVehicle, s: SimSettings, random: () => number): LogEntry {
  const atMs = v.nextReportMs;

  // Move: a great-circle leg at constant course and speed.
  const km = (v.speedKmh * (atMs - v.movedAtMs)) / 3_600_000;
  [v.lat, v.lon] = destinationLatLng(v.lat, v.lon, v.bearing, km);
  v.movedAtMs = atMs;

  // Report: rounded as feeds round (about 0.1 m, 0.1 km/h, 0.1 degree).
  const entry = recordToLogEntry({
    kind: 'event',
    event: {
      provider: 'sim',
      vehicleId: v.vehicleId,
      lat: round(v.lat, 6),
      lon: round(v.lon, 6),
      ts: msToIso(atMs),
      speedKmh: round(v.speedKmh, 1),
      bearing: round(v.bearing, 1) % 360,
      label: v.label,
      routeId: v.routeId,
      mode: v.mode,
    },
  });
  v.last = entry;
  v.nextReportMs = atMs + Math.round(s.reportMs * (0.8 + 0.4 * random()));
  if (random() < s.resendShare) v.resendAtMs = Math.min(atMs + s.tickMs, v.nextReportMs - 1);

  // Plan the next interval: stop, drive on, or turn back toward the centre at the edge.
  planNext(v, s, random);
  return entry;
}

function planNext(v: SimVehicle, s: SimSettings, random: () => number): void {
  const [low, high] = SPEED_RANGES_KMH[v.mode];
  if (v.dwell > 0) v.dwell -= 1;
  else if (random() < STOP_CHANCE) v.dwell = 1 + Math.floor(random() * 6);
  v.cruiseKmh = clamp(v.cruiseKmh + (random() - 0.5) * 0.2 * (high - low), low, high);
  v.speedKmh = v.dwell > 0 ? 0 : v.cruiseKmh;

  const turn = v.mode === 'bus' ? 40 : 16;
  v.bearing = normaliseBearing(v.bearing + (random() - 0.5) * turn);
  if (greatCircleDistance([v.lat, v.lon], [s.lat, s.lon], 'km') > 0.9 * s.radiusKm) {
    v.bearing = normaliseBearing(
      initialBearing(v.lat, v.lon, s.lat, s.lon) + (random() - 0.5) * 60,
    );
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function normaliseBearing(degrees: number): number {
  return ((degrees % 360) + 360) % 360;
}

const RAD = Math.PI / 180;

/**
 * The point reached from (lat, lon) along a great circle, by the spherical formulas of the
 * Aviation Formulary (Ed Williams), "Lat/lon given radial and distance".
 */
function destinationLatLng(
  lat: number,
  lon: number,
  bearing: number,
  km: number,
): [number, number] {
  const d = km / EARTH_RADIUS_KM;
  const [p1, l1, b] = [lat * RAD, lon * RAD, bearing * RAD];
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 =
    l1 +
    Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [p2 / RAD, ((((l2 / RAD + 540) % 360) + 360) % 360) - 180];
}

/** The initial course from one point to another, degrees clockwise from north (same source). */
function initialBearing(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const [p1, p2, dl] = [lat1 * RAD, lat2 * RAD, (lon2 - lon1) * RAD];
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  return normaliseBearing(Math.atan2(y, x) / RAD);
}

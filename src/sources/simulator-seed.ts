/**
 * Where a recording leaves the simulated fleet: the simulator's `startFrom` option starts its
 * vehicles at the newest position a recording holds for each of its vehicles, in the area those
 * positions cover, so that a simulation can carry on from a replay of a real city.
 */
import { greatCircleDistance } from 'h3-js';

import { rfc3339ToMs } from '../event/rfc3339.js';
import type { RecordBatch } from './record-batch.js';
import { eventKeyOf, parseEventObject, rawText } from './source.js';

/** Where a recording last saw a vehicle, and what it said of it. */
export interface SeedVehicle {
  lat: number;
  lon: number;
  /** True when the event's `mode` names a rail mode; buses otherwise (MBTA V3 sends no mode). */
  train: boolean;
  speedKmh?: number;
  bearing?: number;
  label?: string;
  routeId?: string;
}

/** A circle on the map: a centre and a radius in km. */
export interface SeedArea {
  lat: number;
  lon: number;
  radiusKm: number;
}

/**
 * Finds the newest report of every vehicle of a recording that has a sound position (no null
 * island, no pole), in key order, so that the fleet does not depend on the order of the records.
 *
 * @param batches - the snapshots of a recording; records are read, not kept
 * @returns one seed per (provider, vehicleId)
 */
export function seedVehiclesFrom(batches: RecordBatch[]): SeedVehicle[] {
  const newest = new Map<string, { tsMs: number; event: Record<string, unknown> }>();
  for (const { records } of batches) {
    for (const record of records) {
      const event =
        record.kind === 'event'
          ? record.event
          : record.kind === 'raw'
            ? parseEventObject(rawText(record.value))
            : null;
      const tsMs = typeof event?.ts === 'string' ? rfc3339ToMs(event.ts) : null;
      if (event === null || tsMs === null || !hasPosition(event)) continue;

      const key = eventKeyOf(event);
      if (key !== '' && tsMs > (newest.get(key)?.tsMs ?? Number.NEGATIVE_INFINITY)) {
        newest.set(key, { tsMs, event });
      }
    }
  }
  return [...newest.keys()].sort().map((key) => seedOf(newest.get(key)!.event));
}

/**
 * The area a fleet of seeds drives in: centred on the median latitude and longitude (robust to
 * the odd vehicle far away, such as a train 300 km off its network), wide enough for 95 % of
 * them (all of them when there are 21 or fewer) and at least 1 km.
 *
 * @param seeds - at least one seed
 * @returns the area
 */
export function seedAreaOf(seeds: SeedVehicle[]): SeedArea {
  const median = (values: number[]): number =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const lat = median(seeds.map((p) => p.lat));
  const lon = median(seeds.map((p) => p.lon));

  const distances = seeds
    .map((p) => greatCircleDistance([p.lat, p.lon], [lat, lon], 'km'))
    .sort((a, b) => a - b);
  return { lat, lon, radiusKm: Math.max(1, distances[Math.ceil(0.95 * (distances.length - 1))]!) };
}

function hasPosition(event: Record<string, unknown>): boolean {
  const { lat, lon } = event;
  return (
    typeof lat === 'number' &&
    typeof lon === 'number' &&
    Math.abs(lat) <= 85 &&
    Math.abs(lon) <= 180 &&
    !(lat === 0 && lon === 0)
  );
}

function seedOf(event: Record<string, unknown>): SeedVehicle {
  const { speedKmh, bearing, label, routeId } = event;
  return {
    lat: event.lat as number,
    lon: event.lon as number,
    train: /rail|train|subway|tram|metro/i.test(String(event.mode)),
    ...(typeof speedKmh === 'number' && Number.isFinite(speedKmh) ? { speedKmh } : {}),
    ...(typeof bearing === 'number' && bearing >= 0 && bearing < 360 ? { bearing } : {}),
    ...(typeof label === 'string' && label.trim() !== '' ? { label } : {}),
    ...(typeof routeId === 'string' && routeId.trim() !== '' ? { routeId } : {}),
  };
}

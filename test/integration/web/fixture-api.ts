/**
 * Answers of the read-only API (SPEC 5) for the browser test, in two versions so that a refresh
 * has something to change: hexagons of Boston around 42.36,-71.06 (h3-js, resolution 8, a disk of
 * 331 cells, counts skewed towards the centre) and 250 vehicles of four providers, one of them
 * labelled with markup that must show as text.
 */
import { cellToBoundary, gridDisk, gridRing, latLngToCell } from 'h3-js';

/** A label that would run a script if a popup ever read it as HTML. */
export const HOSTILE_LABEL = '<img src=x onerror=alert(1)>';

/** The vehicle carrying the hostile label, as the page keys it (`<provider>:<vehicleId>`). */
export const HOSTILE_KEY = 'mbta:y9999';

const CENTER = latLngToCell(42.36, -71.06, 8);
const WINDOW_START = ['2025-10-04T14:05:00.000Z', '2025-10-04T14:10:00.000Z'];
const WINDOW_END = ['2025-10-04T14:10:00.000Z', '2025-10-04T14:15:00.000Z'];

/** A small deterministic generator (mulberry32), so both versions are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cells of a version: v1 the disk of radius 10; v2 drops 20 of its edge and adds 12 beyond it. */
export function cellsOf(version: 1 | 2): string[] {
  const disk = gridDisk(CENTER, 10);
  if (version === 1) return disk;
  const edge = new Set(gridRing(CENTER, 10).slice(0, 20));
  return [...disk.filter((c) => !edge.has(c)), ...gridRing(CENTER, 11).slice(0, 12)];
}

/** The speed each cell's mbta tile reports (null for every seventh cell: no speed sent). */
export function speedOf(cellIndex: number): number | null {
  return cellIndex % 7 === 3 ? null : (cellIndex * 37) % 95;
}

function tile(
  cellId: string,
  provider: string,
  version: 1 | 2,
  count: number,
  speed: number | null,
) {
  return {
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [cellToBoundary(cellId, true)] },
    properties: {
      cellId,
      provider,
      windowStart: WINDOW_START[version - 1],
      windowEnd: WINDOW_END[version - 1],
      count,
      vehicles: Math.max(1, Math.ceil(count / 3)),
      avgSpeedKmh: speed,
    },
  };
}

/** `GET /api/tiles/latest` of a version: one feature per (provider, cell), as the API sends. */
export function tilesOf(version: 1 | 2) {
  const next = random(version === 1 ? 7 : 8);
  const features = cellsOf(version).flatMap((cellId, i) => {
    // Skewed counts: most cells see a handful of reports, the centre hundreds (a terminal).
    const distance = i === 0 ? 0 : Math.sqrt(i);
    const count = 1 + Math.floor(next() * 3 + 400 * Math.exp(-distance / 1.6) * next());
    const out = [tile(cellId, 'mbta', version, count + (version === 2 ? 2 : 0), speedOf(i))];
    if (i % 5 === 0) out.push(tile(cellId, 'gtfsrt.mbta', version, 1 + (i % 4), 20));
    if (i % 31 === 0) out.push(tile(cellId, 'opensky', version, 1, 650));
    return out;
  });
  return {
    type: 'FeatureCollection',
    windowStart: WINDOW_START[version - 1],
    windowEnd: WINDOW_END[version - 1],
    complete: version === 1,
    truncated: false,
    features,
  };
}

function vehicle(provider: string, vehicleId: string, lon: number, lat: number, extra: object) {
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [lon, lat] },
    properties: { vehicleId, provider, ts: '2025-10-04T14:09:41.000Z', ageSec: 19, ...extra },
  };
}

/** `GET /api/positions/latest` of a version: v2 moves every vehicle, drops 10 and adds 6. */
export function positionsOf(version: 1 | 2) {
  const next = random(99);
  const shift = version === 2 ? 0.0015 : 0;
  const providers = ['mbta', 'mbta', 'mbta', 'gtfsrt.mbta', 'opensky', 'sim'];
  const features = [];
  const total = version === 1 ? 249 : 245;
  for (let i = 0; i < total; i += 1) {
    const index = version === 2 && i >= 239 ? 1000 + i : i;
    const provider = providers[index % providers.length] as string;
    const lon = -71.06 + (next() - 0.5) * 0.16 + shift;
    const lat = 42.36 + (next() - 0.5) * 0.1 + shift;
    const extra =
      provider === 'opensky'
        ? { label: `N${index}AB  `, speedKmh: 410, bearing: 88, altitudeM: 2400, onGround: false }
        : {
            label: `${1000 + index}`,
            routeId: String(index % 40),
            speedKmh: (index * 3) % 60,
            bearing: index % 360,
          };
    features.push(vehicle(provider, `v${index}`, lon, lat, extra));
  }

  // The hostile vehicle comes last, so it is drawn on top and a click at its centre reaches it.
  features.push(
    vehicle('mbta', 'y9999', -71.0406 + shift / 3, 42.3406, {
      label: HOSTILE_LABEL,
      routeId: '<b>SL1</b>',
      speedKmh: version === 1 ? 12.5 : 31.5,
      bearing: 270,
    }),
  );
  return { type: 'FeatureCollection', truncated: false, features };
}

/** `GET /api/stats` of a version. */
export function statsOf(version: 1 | 2) {
  return {
    accepted: 48_211 + version * 1000,
    duplicates: 1_907,
    late: 12,
    rejected: { bad_coordinates: 3, no_position: 41 },
    watermark: '2025-10-04T14:00:00.000Z',
    newestEvent: '2025-10-04T14:10:00.000Z',
    lag: 4,
  };
}

/**
 * One hexagon per cell on the map. The tile routes answer one feature per (provider, cell), so a
 * cell that buses and aircraft both crossed comes twice; drawn as is, the two polygons would
 * stack and the upper one would hide the other's count. The page merges them per cell, over the
 * providers the user has ticked, the way SPEC 5 merges windows: counts and vehicles summed, speeds
 * averaged over their samples.
 */
import type { LngLat, TileFeature } from './api-types.js';

/** The share of one provider in a cell. */
export interface ProviderShare {
  provider: string;
  count: number;
  vehicles: number;
}

/** A cell as the map draws it. */
export interface CellSummary {
  cellId: string;
  /** The outline of the cell, closed, [longitude, latitude] (RFC 7946). */
  ring: LngLat[];
  count: number;
  vehicles: number;
  avgSpeedKmh: number | null;
  windowStart: string;
  windowEnd: string;
  /** Providers in the cell, the largest count first. */
  providers: ProviderShare[];
}

interface Accumulator {
  summary: CellSummary;
  speedWeight: number;
  speedSum: number;
}

function isUsableTile(feature: TileFeature): boolean {
  const p = feature?.properties;
  const ring = feature?.geometry?.coordinates?.[0];
  return (
    typeof p?.cellId === 'string' &&
    typeof p.provider === 'string' &&
    Number.isFinite(p.count) &&
    Array.isArray(ring) &&
    ring.length >= 4
  );
}

/**
 * Merges tile features into one summary per cell.
 *
 * @param features - hexagons as the API sends them; malformed ones are skipped
 * @param includes - whether a provider is ticked in the filter
 * @returns one summary per cell, in the order cells first appear
 */
export function mergeTilesByCell(
  features: readonly TileFeature[],
  includes: (provider: string) => boolean,
): CellSummary[] {
  const cells = new Map<string, Accumulator>();

  for (const feature of features) {
    if (!isUsableTile(feature) || !includes(feature.properties.provider)) continue;
    const p = feature.properties;
    let acc = cells.get(p.cellId);
    if (acc === undefined) {
      acc = {
        summary: {
          cellId: p.cellId,
          ring: feature.geometry.coordinates[0] as LngLat[],
          count: 0,
          vehicles: 0,
          avgSpeedKmh: null,
          windowStart: p.windowStart,
          windowEnd: p.windowEnd,
          providers: [],
        },
        speedWeight: 0,
        speedSum: 0,
      };
      cells.set(p.cellId, acc);
    }

    // Sum the counts; vehicleIds are unique within a provider, so distinct vehicles add up too.
    const s = acc.summary;
    s.count += p.count;
    s.vehicles += Number.isFinite(p.vehicles) ? p.vehicles : 0;
    if (p.windowStart < s.windowStart) s.windowStart = p.windowStart;
    if (p.windowEnd > s.windowEnd) s.windowEnd = p.windowEnd;
    s.providers.push({ provider: p.provider, count: p.count, vehicles: p.vehicles });

    // Limitation: SPEC 5 does not promise speedSamples, so without it a provider's average is
    // weighed by its count, which is exact only when all of its reports carry a speed.
    if (typeof p.avgSpeedKmh === 'number' && Number.isFinite(p.avgSpeedKmh)) {
      const weight = typeof p.speedSamples === 'number' ? p.speedSamples : p.count;
      acc.speedSum += p.avgSpeedKmh * weight;
      acc.speedWeight += weight;
    }
  }

  return Array.from(cells.values(), ({ summary, speedSum, speedWeight }) => {
    summary.avgSpeedKmh = speedWeight > 0 ? speedSum / speedWeight : null;
    summary.providers.sort((a, b) => b.count - a.count || (a.provider < b.provider ? -1 : 1));
    return summary;
  });
}

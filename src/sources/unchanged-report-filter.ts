/**
 * Polling an API returns every vehicle on every poll, moved or not: MBTA's `updated_at` changes
 * only when the vehicle's AVL unit reports (TECH-NOTES 5), OpenSky's `time_position` at most
 * every few seconds, and the 2019 MBTA recording holds 366 exact re-sends in 1,038 reports
 * (PROVENANCE.md). This filter lets a report through only when its `ts` differs from the last
 * one seen for the same (provider, vehicleId), so a bus polled twice is sent once. The engine
 * would count the re-send once anyway (SPEC 3); the filter spares the log and the engine the
 * traffic.
 *
 * Rejected records and records without a readable identity pass untouched: they must still be
 * counted downstream (SPEC 1).
 */
import type { InputRecord } from '../event/position-event.js';
import { eventKeyOf } from './source.js';

/** How long the filter remembers a vehicle. */
export interface UnchangedReportFilterOptions {
  /** A vehicle not seen for this long is forgotten (default 30 minutes). */
  forgetAfterMs?: number;
  /** The most vehicles remembered; the longest unseen go first (default 500000). */
  maxVehicles?: number;
  /** The clock, in epoch ms (default Date.now). */
  now?: () => number;
}

/** What one pass of the filter kept, and how many reports it skipped. */
export interface FilteredRecords {
  kept: InputRecord[];
  skipped: number;
}

/** The filter of one source, with its memory of the last `ts` per vehicle. */
export interface UnchangedReportFilter {
  /**
   * Filters the records of one poll (or one stream message), in order, and remembers their times.
   *
   * @param records - the records as the normaliser gave them
   * @returns the records to send, in the same order, and the count of skipped reports
   */
  apply(records: InputRecord[]): FilteredRecords;
  /** Reports skipped since the filter was made. */
  readonly skippedTotal: number;
  /** Vehicles remembered now. */
  readonly vehicleCount: number;
}

const DEFAULT_FORGET_AFTER_MS = 30 * 60_000;
const DEFAULT_MAX_VEHICLES = 500_000;

interface LastReport {
  ts: string;
  seenMs: number;
}

/**
 * Creates an unchanged-report filter. Memory is bounded: the vehicles are kept in the order they
 * were last seen, so forgetting the long unseen costs only the entries forgotten.
 *
 * @param opts - see UnchangedReportFilterOptions
 * @returns the filter, remembering nothing yet
 */
export function createUnchangedReportFilter(
  opts: UnchangedReportFilterOptions = {},
): UnchangedReportFilter {
  const forgetAfterMs = opts.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS;
  const maxVehicles = opts.maxVehicles ?? DEFAULT_MAX_VEHICLES;
  const now = opts.now ?? Date.now;
  // A Map iterates in insertion order; deleting before setting moves a vehicle to the end.
  const last = new Map<string, LastReport>();
  let skippedTotal = 0;

  function forget(nowMs: number): void {
    for (const [key, report] of last) {
      if (last.size <= maxVehicles && nowMs - report.seenMs <= forgetAfterMs) break;
      last.delete(key);
    }
  }

  return {
    apply(records) {
      const nowMs = now();
      const kept: InputRecord[] = [];
      let skipped = 0;
      for (const record of records) {
        const identity = record.kind === 'event' ? identityOf(record.event) : null;
        if (identity === null) {
          kept.push(record);
          continue;
        }
        const previous = last.get(identity.key);
        last.delete(identity.key);
        last.set(identity.key, { ts: identity.ts, seenMs: nowMs });
        if (previous?.ts === identity.ts) skipped += 1;
        else kept.push(record);
      }
      forget(nowMs);
      skippedTotal += skipped;
      return { kept, skipped };
    },
    get skippedTotal() {
      return skippedTotal;
    },
    get vehicleCount() {
      return last.size;
    },
  };
}

/** The vehicle's key and its report time as text; null when either is missing. */
function identityOf(event: Record<string, unknown>): { key: string; ts: string } | null {
  const key = eventKeyOf(event);
  const { ts } = event;
  if (key === '' || ts === null || ts === undefined) return null;
  return { key, ts: typeof ts === 'string' ? ts : JSON.stringify(ts) };
}

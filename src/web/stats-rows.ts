/**
 * The engine's counters as the side panel lists them (SPEC 5, `GET /api/stats`): every input
 * record is accepted, a duplicate, late or rejected, so the four are shown side by side, the
 * rejections broken down by reason, and the lag in human units.
 */
import type { StatsResponse } from './api-types.js';
import { formatClock, formatDate, formatDuration, parseApiTime } from './time-label.js';

/** One counter of the panel. */
export interface StatRow {
  key: 'accepted' | 'duplicates' | 'late' | 'rejected' | 'lag' | 'newest';
  label: string;
  value: string;
  /** A second, smaller line under the value (the date of a time), or an empty string. */
  sub: string;
  /** Details for a tooltip, e.g. rejections by reason. */
  detail: string;
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/**
 * Reads the lag of a stats answer in seconds. SPEC 5 names the field without fixing its shape;
 * our API sends seconds from the newest event to its wall clock (src/api/routes-status.ts), and
 * an object is searched for `seconds`, `sec` or `ms` in case another server nests it.
 *
 * @param stats - the stats answer
 * @returns the lag in seconds, or null when the answer has none
 */
export function lagSeconds(stats: StatsResponse): number | null {
  const lag = stats.lag;
  if (typeof lag === 'number' && Number.isFinite(lag)) return lag;
  if (typeof lag === 'object' && lag !== null) {
    const fields = lag as Record<string, unknown>;
    for (const name of ['seconds', 'sec', 'lagSec']) {
      const value = fields[name];
      if (typeof value === 'number' && Number.isFinite(value)) return value;
    }
    for (const name of ['ms', 'millis', 'lagMs']) {
      const value = fields[name];
      if (typeof value === 'number' && Number.isFinite(value)) return value / 1000;
    }
  }
  return null;
}

/**
 * The rows of the stats card.
 *
 * @param stats - the stats answer
 * @param timeZone - the viewer's zone, for the stream's clock
 * @returns accepted, duplicates, late, rejected (total, with reasons as detail), lag, and the
 *   newest report time (the stream's clock, which a replay keeps in the past)
 */
export function statsRows(stats: StatsResponse, timeZone: string): StatRow[] {
  const reasons = Object.entries(stats.rejected ?? {})
    .filter(([, n]) => count(n) > 0)
    .sort((a, b) => count(b[1]) - count(a[1]) || (a[0] < b[0] ? -1 : 1));
  const rejected = reasons.reduce((sum, [, n]) => sum + count(n), 0);
  const lag = lagSeconds(stats);
  const newestMs = parseApiTime(stats.newestEvent);
  const row = (key: StatRow['key'], label: string, value: string, detail: string, sub = '') => {
    const stat: StatRow = { key, label, value, sub, detail };
    return stat;
  };
  return [
    row(
      'accepted',
      'Accepted',
      INTEGER.format(count(stats.accepted)),
      'unique reports counted in tiles',
    ),
    row('duplicates', 'Duplicates', INTEGER.format(count(stats.duplicates)), 'reports seen before'),
    row('late', 'Late', INTEGER.format(count(stats.late)), 'reports at or behind the watermark'),
    row(
      'rejected',
      'Rejected',
      INTEGER.format(rejected),
      reasons.length === 0
        ? 'no rejection'
        : reasons.map(([r, n]) => `${r}: ${INTEGER.format(count(n))}`).join(', '),
    ),
    row(
      'lag',
      'Lag',
      lag === null ? '–' : formatDuration(lag),
      'from the newest report to now; a replay trails by its age',
    ),
    row(
      'newest',
      'Newest report',
      newestMs === null ? '–' : formatClock(newestMs, timeZone),
      "the stream's clock: the newest report time that passed validation",
      newestMs === null ? '' : formatDate(newestMs, timeZone),
    ),
  ];
}

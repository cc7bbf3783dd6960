/**
 * Times as the page shows them. The API speaks ISO-8601 UTC (SPEC 5); a reader wants the local
 * clock first, the UTC one beside it (a replay of a Boston recording watched from Europe), and
 * ages and lags in the largest two units that matter ("3 min 20 s", not "200 s").
 */

/** A window as the header shows it. */
export interface WindowLabel {
  /** `14:05–14:10` in the viewer's zone, with the date when it is not today's. */
  local: string;
  /** `18:05–18:10 UTC`, with the date. */
  utc: string;
  /** The zone name of the local label, e.g. `America/New_York`. */
  zone: string;
  /**
   * True when the local label reads like the UTC one: the viewer's zone is UTC, or keeps UTC's
   * clock at that time (London in winter). The header then shows one line, not the same twice.
   */
  sameAsUtc: boolean;
}

function timeParts(ms: number, timeZone: string, withSeconds: boolean): Record<string, string> {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  });
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(ms)) parts[part.type] = part.value;
  return parts;
}

function clock(parts: Record<string, string>): string {
  const hm = `${parts.hour}:${parts.minute}`;
  return parts.second === undefined ? hm : `${hm}:${parts.second}`;
}

function day(parts: Record<string, string>): string {
  return `${parts.day} ${parts.month} ${parts.year}`;
}

/**
 * Parses an API time.
 *
 * @param iso - an ISO-8601 time, or null
 * @returns epoch milliseconds, or null when absent or unreadable
 */
export function parseApiTime(iso: string | null | undefined): number | null {
  if (typeof iso !== 'string') return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Labels a window in the viewer's zone and in UTC.
 *
 * @param startMs - window start, epoch milliseconds
 * @param endMs - window end, epoch milliseconds
 * @param timeZone - the viewer's IANA zone (the browser's by default)
 * @returns the local and UTC labels, each with the date of the start, and whether they agree
 */
export function formatWindow(
  startMs: number,
  endMs: number,
  timeZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone,
): WindowLabel {
  const label = (zone: string): string => {
    const from = timeParts(startMs, zone, false);
    const to = timeParts(endMs, zone, false);
    const sameDay = day(from) === day(to);
    return sameDay
      ? `${clock(from)}–${clock(to)}, ${day(from)}`
      : `${clock(from)}, ${day(from)} – ${clock(to)}, ${day(to)}`;
  };
  const local = label(timeZone);
  const utc = label('UTC');
  return { local, utc: `${utc} UTC`, zone: timeZone, sameAsUtc: local === utc };
}

/**
 * Labels one instant with seconds, in a zone.
 *
 * @param ms - epoch milliseconds
 * @param timeZone - an IANA zone or `UTC`
 * @returns e.g. `14:05:09, 4 Oct 2025`
 */
export function formatInstant(ms: number, timeZone: string): string {
  const parts = timeParts(ms, timeZone, true);
  return `${clock(parts)}, ${day(parts)}`;
}

/**
 * The time of day of an instant, with seconds.
 *
 * @param ms - epoch milliseconds
 * @param timeZone - an IANA zone or `UTC`
 * @returns e.g. `14:05:09`
 */
export function formatClock(ms: number, timeZone: string): string {
  return clock(timeParts(ms, timeZone, true));
}

/**
 * The date of an instant.
 *
 * @param ms - epoch milliseconds
 * @param timeZone - an IANA zone or `UTC`
 * @returns e.g. `4 Oct 2025`
 */
export function formatDate(ms: number, timeZone: string): string {
  return day(timeParts(ms, timeZone, false));
}

/**
 * A duration in its two largest units.
 *
 * @param seconds - a length of time; negative values are shown as 0 s
 * @returns e.g. `45 s`, `3 min 20 s`, `2 h`, `3 d 4 h`; `–` when not a number
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const total = Math.max(0, Math.round(seconds));
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ];
  const first = units.findIndex(([, size]) => total >= size);
  if (first < 0) return '0 s';
  const [bigName, bigSize] = units[first] as [string, number];
  const big = Math.floor(total / bigSize);
  const next = units[first + 1];
  const small = next === undefined ? 0 : Math.floor((total - big * bigSize) / next[1]);
  return small > 0 && next ? `${big} ${bigName} ${small} ${next[0]}` : `${big} ${bigName}`;
}

/**
 * RFC 3339 date-times (section 5.6), as SPEC 1 accepts them: `T` or a space between date and
 * time, whole seconds, an optional fraction, `Z` or `±hh:mm`. Lowercase `t` and `z` are allowed,
 * as RFC 3339 section 5.6 notes. A leap second (second 60) is refused: epoch time cannot hold it.
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Parses an RFC 3339 date-time to epoch milliseconds in UTC, truncating any fraction beyond the
 * millisecond.
 *
 * @param text - the date-time, e.g. `2019-03-13T00:34:08-04:00`
 * @returns epoch milliseconds, or null when `text` is not a valid RFC 3339 date-time
 */
export function rfc3339ToMs(text: string): number | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;

  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (month! < 1 || month! > 12 || day! < 1 || hour! > 23 || minute! > 59 || second! > 59)
    return null;
  const monthDays = month === 2 && isLeapYear(year!) ? 29 : DAYS_IN_MONTH[month! - 1]!;
  if (day! > monthDays) return null;

  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const offHours = Number(m[10]);
    const offMinutes = Number(m[11]);
    if (offHours > 23 || offMinutes > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offHours * 60 + offMinutes);
  }

  // Only the first three digits of the fraction count: SPEC 1 truncates to the millisecond.
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));

  // Date.UTC maps years 0..99 to 1900..1999, so the year is set on its own.
  const date = new Date(Date.UTC(2000, month! - 1, day!, hour!, minute!, second!, millis));
  date.setUTCFullYear(year!);
  return date.getTime() - offsetMinutes * 60_000;
}

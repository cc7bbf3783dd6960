/**
 * RFC 3339 date-times (section 5.6), as SPEC 1 accepts them: `T` or a space between date and
 * time, whole seconds, an optional fraction, `Z` or `±hh:mm`. Lowercase `t` and `z` are allowed,
 * as RFC 3339 section 5.6 notes. A leap second (second 60) is refused: epoch time cannot hold it.
 * The parser reads characters by code, without a regular expression: every event goes through
 * it, and it is one of the engine's larger costs per event.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The number written by `count` ASCII digits at `at`, or -1 when one of them is not a digit. */
function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Parses an RFC 3339 date-time to epoch milliseconds in UTC, truncating any fraction beyond the
 * millisecond.
 *
 * @param text - the date-time, e.g. `2019-03-13T00:34:08-04:00`
 * @returns epoch milliseconds, or null when `text` is not a valid RFC 3339 date-time
 */
export function rfc3339ToMs(text: string): number | null {
  // Stage 1: the fixed part, `yyyy-mm-ddThh:mm:ss`.
  if (text.length < 20) return null;
  const sep = text.charCodeAt(10);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null; // '-'
  if (sep !== 84 && sep !== 116 && sep !== 32) return null; // 'T', 't', ' '
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null; // ':'
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return null;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > monthDays) return null;

  // Stage 2: the fraction; only its first three digits count (SPEC 1 truncates to the ms).
  let at = 19;
  let millis = 0;
  if (text.charCodeAt(at) === 46) {
    const start = ++at;
    while (at < text.length && text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57) at++;
    if (at === start) return null;
    for (let i = start; i < start + 3; i++) {
      millis = millis * 10 + (i < at ? text.charCodeAt(i) - 48 : 0);
    }
  }

  // Stage 3: the offset, `Z` or `±hh:mm`, ending the text.
  let offsetMinutes = 0;
  const zone = text.charCodeAt(at);
  if (zone === 90 || zone === 122) {
    if (at + 1 !== text.length) return null;
  } else if (zone === 43 || zone === 45) {
    if (at + 6 !== text.length || text.charCodeAt(at + 3) !== 58) return null;
    const offHours = digits(text, at + 1, 2);
    const offMinutes = digits(text, at + 4, 2);
    if (offHours < 0 || offHours > 23 || offMinutes < 0 || offMinutes > 59) return null;
    offsetMinutes = (zone === 45 ? -1 : 1) * (offHours * 60 + offMinutes);
  } else {
    return null;
  }

  // Date.UTC maps years 0..99 to 1900..1999, so such years are set on their own.
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (year < 100) {
    const date = new Date(ms);
    date.setUTCFullYear(year, month - 1, day);
    ms = date.getTime();
  }
  return ms - offsetMinutes * 60_000;
}

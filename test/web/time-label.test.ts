import { describe, expect, it } from 'vitest';
import {
  formatClock,
  formatDate,
  formatDuration,
  formatInstant,
  formatWindow,
  parseApiTime,
} from '../../src/web/time-label.js';

const START = Date.parse('2025-10-04T18:05:00.000Z');
const END = Date.parse('2025-10-04T18:10:00.000Z');

describe('parseApiTime', () => {
  it('reads ISO-8601 times and refuses the rest', () => {
    expect(parseApiTime('2025-10-04T18:05:00.000Z')).toBe(START);
    expect(parseApiTime('yesterday')).toBeNull();
    expect(parseApiTime(null)).toBeNull();
    expect(parseApiTime(undefined)).toBeNull();
  });
});

describe('formatWindow', () => {
  it('shows the window in the viewer zone and in UTC, with the date', () => {
    const label = formatWindow(START, END, 'America/New_York');
    expect(label.local).toBe('14:05–14:10, 4 Oct 2025');
    expect(label.utc).toBe('18:05–18:10, 4 Oct 2025 UTC');
    expect(label.zone).toBe('America/New_York');
    expect(label.sameAsUtc).toBe(false);
  });

  it('says when the local label reads the same as the UTC one, so the header shows it once', () => {
    expect(formatWindow(START, END, 'UTC').sameAsUtc).toBe(true);
    // London keeps UTC's clock in winter only.
    const january = Date.parse('2026-01-15T09:00:00.000Z');
    expect(formatWindow(january, january + 300_000, 'Europe/London').sameAsUtc).toBe(true);
    expect(formatWindow(START, END, 'Europe/London').sameAsUtc).toBe(false);
  });

  it('names both dates when the window crosses midnight in the zone', () => {
    const start = Date.parse('2025-10-04T23:55:00.000Z');
    const label = formatWindow(start, start + 10 * 60_000, 'UTC');
    expect(label.utc).toBe('23:55, 4 Oct 2025 – 00:05, 5 Oct 2025 UTC');
  });
});

describe('formatInstant, formatClock and formatDate', () => {
  it('give the time with seconds and the date, together or apart', () => {
    expect(formatInstant(START + 9_000, 'Europe/Berlin')).toBe('20:05:09, 4 Oct 2025');
    expect(formatClock(START + 9_000, 'UTC')).toBe('18:05:09');
    expect(formatDate(Date.parse('2025-10-04T23:30:00Z'), 'Asia/Tokyo')).toBe('5 Oct 2025');
  });
});

describe('formatDuration', () => {
  it('uses the two largest units, leaving out a zero second unit', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(300)).toBe('5 min');
    expect(formatDuration(7_500)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86_400 + 4 * 3_600 + 59)).toBe('3 d 4 h');
  });

  it('shows negative durations as 0 s and non-numbers as a dash', () => {
    expect(formatDuration(-5)).toBe('0 s');
    expect(formatDuration(Number.NaN)).toBe('–');
  });
});

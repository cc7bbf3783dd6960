import { describe, expect, it } from 'vitest';

import { backoffDelayMs, retryAfterMs } from '../../../src/sources/http-wait.js';

const NOW = Date.parse('2025-10-04T10:00:00Z');

describe('retryAfterMs', () => {
  it('reads Retry-After in seconds and as an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }), NOW)).toBe(7000);
    const date = new Date(NOW + 30_000).toUTCString();
    expect(retryAfterMs(new Headers({ 'retry-after': date }), NOW)).toBe(30_000);
  });

  it("reads OpenSky's X-Rate-Limit-Retry-After-Seconds and MBTA's x-ratelimit-reset", () => {
    const openSky = new Headers({ 'x-rate-limit-retry-after-seconds': '120' });
    expect(retryAfterMs(openSky, NOW)).toBe(120_000);
    const mbta = new Headers({ 'x-ratelimit-reset': String(NOW / 1000 + 12) });
    expect(retryAfterMs(mbta, NOW)).toBe(12_000);
  });

  it('says nothing when no header does, and never asks to wait less than 0', () => {
    expect(retryAfterMs(new Headers(), NOW)).toBeNull();
    const past = new Date(NOW - 60_000).toUTCString();
    expect(retryAfterMs(new Headers({ 'retry-after': past }), NOW)).toBe(0);
  });
});

describe('backoffDelayMs', () => {
  it('doubles from the first wait up to the cap, half of it jittered', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(n, 1000, 5000, 0))).toEqual([
      500, 1000, 2000, 2500,
    ]);
    expect(backoffDelayMs(1, 1000, 5000, 0.999)).toBeCloseTo(2000, -1);
  });
});

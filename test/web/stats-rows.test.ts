import { describe, expect, it } from 'vitest';
import type { StatsResponse } from '../../src/web/api-types.js';
import { lagSeconds, statsRows } from '../../src/web/stats-rows.js';

const stats: StatsResponse = {
  accepted: 48_211,
  duplicates: 1_907,
  late: 12,
  rejected: { bad_coordinates: 3, no_position: 41, bad_json: 0 },
  lag: 200,
  newestEvent: '2025-10-04T18:09:41.000Z',
};

describe('statsRows', () => {
  it('lists accepted, duplicates, late, rejected, lag and the stream clock, numbers grouped', () => {
    const rows = statsRows(stats, 'America/New_York');
    expect(rows.map((r) => [r.key, r.value])).toEqual([
      ['accepted', '48,211'],
      ['duplicates', '1,907'],
      ['late', '12'],
      ['rejected', '44'],
      ['lag', '3 min 20 s'],
      ['newest', '14:09:41'],
    ]);
    expect(rows.at(-1)?.sub).toBe('4 Oct 2025');
  });

  it('breaks rejections down by reason, largest first, leaving zeros out', () => {
    const rejected = statsRows(stats, 'UTC').find((r) => r.key === 'rejected');
    expect(rejected?.detail).toBe('no_position: 41, bad_coordinates: 3');
  });

  it('shows zeros and a dash when the answer lacks counters', () => {
    const rows = statsRows({ rejected: {} } as unknown as StatsResponse, 'UTC');
    expect(rows.map((r) => r.value)).toEqual(['0', '0', '0', '0', '–', '–']);
  });
});

describe('lagSeconds', () => {
  it('reads a number as seconds, and seconds or milliseconds from an object', () => {
    expect(lagSeconds({ ...stats, lag: 4 })).toBe(4);
    expect(lagSeconds({ ...stats, lag: { seconds: 9 } })).toBe(9);
    expect(lagSeconds({ ...stats, lag: { ms: 2500 } })).toBe(2.5);
  });

  it('gives null when there is no usable lag', () => {
    expect(lagSeconds({ ...stats, lag: null })).toBeNull();
    expect(lagSeconds({ ...stats, lag: 'soon' })).toBeNull();
    expect(lagSeconds({ ...stats, lag: undefined })).toBeNull();
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../src/config.js';
import { aggregateFiles, compareCodePoints } from '../../src/engine/aggregate-files.js';

describe('compareCodePoints', () => {
  it('orders by code point, where UTF-16 order differs above U+FFFF', () => {
    const fullwidthTilde = '\uFF5E';
    const bus = '🚌'; // U+1F68C, stored as surrogates D83D DE8C, which sort below U+FF5E in UTF-16
    expect(bus < fullwidthTilde).toBe(true);
    expect(compareCodePoints(bus, fullwidthTilde)).toBeGreaterThan(0);
    expect([bus, fullwidthTilde, 'a'].sort(compareCodePoints)).toEqual(['a', fullwidthTilde, bus]);
  });

  it('puts a prefix first', () => {
    expect(compareCodePoints('y1', 'y10')).toBeLessThan(0);
    expect(compareCodePoints('y10', 'y10')).toBe(0);
  });
});

describe('aggregateFiles', () => {
  it('sorts positions by vehicleId code points and tiles by window, provider and cell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mh-agg-'));
    const file = join(dir, 'events.ndjson');
    const line = (vehicleId: string, ts: string, provider = 'mbta') =>
      JSON.stringify({ provider, vehicleId, lat: 42.36, lon: -71.06, ts });
    writeFileSync(
      file,
      [
        line('\uFF5E', '2025-10-04T10:06:00Z'),
        line('🚌', '2025-10-04T10:01:00Z'),
        line('a', '2025-10-04T10:02:00Z', 'sim'),
      ].join('\n'),
    );
    const result = await aggregateFiles([file], {
      ...DEFAULT_ENGINE_SETTINGS,
      nowMs: Date.parse('2025-10-04T12:00:00Z'),
    });
    expect(result.positions.map((p) => p.vehicleId)).toEqual(['\uFF5E', '🚌', 'a']);
    expect(result.tiles.map((t) => [t.windowStart.slice(11, 16), t.provider])).toEqual([
      ['10:00', 'mbta'],
      ['10:00', 'sim'],
      ['10:05', 'mbta'],
    ]);
    expect(result.stats).toEqual({
      accepted: 3,
      duplicates: 0,
      late: 0,
      rejected: {},
      cleaned: {},
    });
  });
});

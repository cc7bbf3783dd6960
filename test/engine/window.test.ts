import { describe, expect, it } from 'vitest';
import { averageSpeed, gridName, windowStartOf } from '../../src/engine/window.js';

describe('windowStartOf', () => {
  it('aligns to the epoch in UTC, before and after 1970', () => {
    expect(windowStartOf(Date.parse('2025-10-04T10:07:31.250Z'), 300_000)).toBe(
      Date.parse('2025-10-04T10:05:00Z'),
    );
    expect(windowStartOf(-1, 300_000)).toBe(-300_000);
    expect(windowStartOf(0, 300_000)).toBe(0);
  });
});

describe('averageSpeed', () => {
  it('rounds half up to the metre per hour', () => {
    expect(averageSpeed(0.0015 * 2, 2)).toBe(0.002);
    expect(averageSpeed(10, 3)).toBe(3.333);
    expect(averageSpeed(20, 3)).toBe(6.667);
  });

  it('is null without a sample', () => {
    expect(averageSpeed(0, 0)).toBeNull();
  });
});

describe('gridName', () => {
  it('names the H3 resolution', () => {
    expect(gridName(8)).toBe('h3r8');
  });
});

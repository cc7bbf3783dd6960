import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SPEED_BREAKS_KMH,
  classIndexOf,
  countBreaks,
  integerClassLabels,
  rangeClassLabels,
  roundBreakDown,
} from '../../src/web/legend-breaks.js';

describe('roundBreakDown', () => {
  it('keeps values below 100 and floors larger ones to two significant digits', () => {
    expect(roundBreakDown(7)).toBe(7);
    expect(roundBreakDown(99)).toBe(99);
    expect(roundBreakDown(137)).toBe(130);
    expect(roundBreakDown(1_234)).toBe(1_200);
    expect(roundBreakDown(20_999)).toBe(20_000);
  });
});

describe('countBreaks', () => {
  it('gives no class for no data, and ignores zero, negative and non-finite counts', () => {
    expect(countBreaks([], 6)).toEqual([]);
    expect(countBreaks([0, -3, Number.NaN, Number.POSITIVE_INFINITY], 6)).toEqual([]);
  });

  it('gives one class per value when there are fewer distinct values than classes', () => {
    expect(countBreaks([1, 1, 2, 3, 3, 3], 6)).toEqual([1, 2, 3]);
  });

  it('spends the classes on the tail when most hexagons hold a single report', () => {
    const skewed = [...Array(700).fill(1), ...Array.from({ length: 300 }, (_, i) => 2 + i * 3)];
    const breaks = countBreaks(skewed, 6);
    expect(breaks).toHaveLength(6);
    expect(breaks[0]).toBe(1);
    expect(breaks[1]).toBe(2);
  });

  it('rounds large bounds for a readable legend', () => {
    const breaks = countBreaks(
      Array.from({ length: 500 }, (_, i) => 100 + i * 7),
      5,
    );
    for (const b of breaks.slice(1)) expect(b % 10).toBe(0);
  });

  it('always gives strictly ascending bounds, no more than asked, and no empty class', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 9 }),
        (values, maxClasses) => {
          const breaks = countBreaks(values, maxClasses);
          expect(breaks.length).toBeGreaterThanOrEqual(1);
          expect(breaks.length).toBeLessThanOrEqual(maxClasses);
          expect(breaks[0]).toBe(Math.min(...values));
          for (let i = 1; i < breaks.length; i += 1) {
            expect(breaks[i]).toBeGreaterThan(breaks[i - 1] as number);
          }
          const used = new Set(values.map((v) => classIndexOf(v, breaks)));
          expect(used.size).toBe(breaks.length);
        },
      ),
    );
  });
});

describe('classIndexOf', () => {
  it('finds the class whose lower bound is the largest one not above the value', () => {
    const breaks = [1, 3, 10];
    expect(classIndexOf(1, breaks)).toBe(0);
    expect(classIndexOf(2.9, breaks)).toBe(0);
    expect(classIndexOf(3, breaks)).toBe(1);
    expect(classIndexOf(10, breaks)).toBe(2);
    expect(classIndexOf(1e9, breaks)).toBe(2);
  });

  it('puts values below the first bound in the first class, and answers -1 without classes', () => {
    expect(classIndexOf(0, [1, 3])).toBe(0);
    expect(classIndexOf(5, [])).toBe(-1);
  });
});

describe('integerClassLabels', () => {
  it('labels single values and ranges, closing the last class at the largest value', () => {
    expect(integerClassLabels([1, 2, 4, 10], 1_212)).toEqual(['1', '2–3', '4–9', '10–1,212']);
  });

  it('labels a last class holding one value by that value', () => {
    expect(integerClassLabels([1, 5], 5)).toEqual(['1–4', '5']);
  });
});

describe('rangeClassLabels', () => {
  it('labels the fixed speed scale from below the second bound to at least the last', () => {
    const labels = rangeClassLabels(SPEED_BREAKS_KMH, 'km/h');
    expect(labels[0]).toBe('< 5 km/h');
    expect(labels[1]).toBe('5–15 km/h');
    expect(labels.at(-1)).toBe('≥ 400 km/h');
    expect(labels).toHaveLength(SPEED_BREAKS_KMH.length);
  });
});

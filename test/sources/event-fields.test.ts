import { describe, expect, it } from 'vitest';

import {
  EXCERPT_CHARS,
  excerpt,
  finiteOrNull,
  integerOrNull,
  isMissingCoordinate,
  nonBlank,
  optionalNumber,
  tsFromUnixSeconds,
} from '../../src/sources/event-fields.js';

describe('finiteOrNull', () => {
  it('keeps finite numbers, zero included', () => {
    expect(finiteOrNull(0)).toBe(0);
    expect(finiteOrNull(-12.5)).toBe(-12.5);
  });

  it('turns NaN, infinities and non-numbers into null', () => {
    for (const value of [Number.NaN, Infinity, -Infinity, '3', null, undefined]) {
      expect(finiteOrNull(value)).toBeNull();
    }
  });
});

describe('optionalNumber', () => {
  it('converts a number with the given factor', () => {
    expect(optionalNumber(10, 3.6)).toBe(36);
    expect(optionalNumber(0, 3.6)).toBe(0);
  });

  it('gives null for absent or non-finite values, and for a product that overflows', () => {
    expect(optionalNumber(null)).toBeNull();
    expect(optionalNumber(undefined)).toBeNull();
    expect(optionalNumber(Number.NaN)).toBeNull();
    expect(optionalNumber(Number.MAX_VALUE, 3.6)).toBeNull();
  });

  it('passes a string on unconverted, for the engine to clean and count', () => {
    expect(optionalNumber('12', 3.6)).toBe('12');
  });
});

describe('isMissingCoordinate', () => {
  it('treats null, undefined and non-finite numbers as missing', () => {
    for (const value of [null, undefined, Number.NaN, Infinity])
      expect(isMissingCoordinate(value)).toBe(true);
  });

  it('treats 0 as a real coordinate, and a string as present (the engine calls it bad_field)', () => {
    expect(isMissingCoordinate(0)).toBe(false);
    expect(isMissingCoordinate('42.1')).toBe(false);
  });
});

describe('nonBlank', () => {
  it('trims padding', () => {
    expect(nonBlank('N556AL  ')).toBe('N556AL');
  });

  it('gives undefined for empty, blank and non-string values', () => {
    for (const value of ['', '        ', null, undefined, 42])
      expect(nonBlank(value)).toBeUndefined();
  });
});

describe('integerOrNull', () => {
  it('reads numbers, bigints and decimal strings', () => {
    expect(integerOrNull(1717402800)).toBe(1717402800);
    expect(integerOrNull(1717402800n)).toBe(1717402800);
    expect(integerOrNull('1717402800')).toBe(1717402800);
  });

  it('reads Long-like objects, unsigned and signed, without toNumber', () => {
    expect(integerOrNull({ low: 1717402800, high: 0, unsigned: true })).toBe(1717402800);
    // 3471724838 has its top bit set in the low word: it must not turn negative.
    expect(integerOrNull({ low: 3471724838 | 0, high: 0, unsigned: true })).toBe(3471724838);
    expect(integerOrNull({ low: -1, high: -1, unsigned: false })).toBe(-1);
  });

  it('gives null for anything else', () => {
    for (const value of [null, undefined, '12a', {}, Number.NaN])
      expect(integerOrNull(value)).toBeNull();
  });
});

describe('tsFromUnixSeconds', () => {
  it('writes UTC with milliseconds', () => {
    expect(tsFromUnixSeconds(1717402800)).toBe('2024-06-03T08:20:00.000Z');
  });

  it('gives the number back when no date can hold it, so the engine rejects it', () => {
    expect(tsFromUnixSeconds(1e16)).toBe(1e16);
  });
});

describe('excerpt', () => {
  it('renders objects as JSON', () => {
    expect(excerpt({ a: 1 })).toBe('{"a":1}');
  });

  it('cuts long input to the limit without splitting a surrogate pair', () => {
    expect(excerpt('x'.repeat(2000))).toHaveLength(EXCERPT_CHARS);
    const text = 'x'.repeat(EXCERPT_CHARS - 4) + '\u{1F68C}' + 'yyy';
    expect(excerpt(text)).toBe(`${'x'.repeat(EXCERPT_CHARS - 4)}...`);
  });

  it('renders hostile input without throwing', () => {
    expect(excerpt({ toString: 1 })).toBe('{"toString":1}');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(excerpt(cycle)).toBe('[object Object]');
  });
});

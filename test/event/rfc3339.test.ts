import { describe, expect, it } from 'vitest';
import { rfc3339ToMs } from '../../src/event/rfc3339.js';

describe('rfc3339ToMs', () => {
  it('reads UTC and offsets to the same instant', () => {
    expect(rfc3339ToMs('2019-03-13T00:34:08-04:00')).toBe(Date.parse('2019-03-13T04:34:08Z'));
    expect(rfc3339ToMs('2019-03-13T05:34:08+01:00')).toBe(Date.parse('2019-03-13T04:34:08Z'));
  });

  it('truncates fractions beyond the millisecond instead of rounding', () => {
    expect(rfc3339ToMs('2025-01-01T00:00:00.9999Z')).toBe(Date.parse('2025-01-01T00:00:00.999Z'));
    expect(rfc3339ToMs('2025-01-01T00:00:00.5Z')).toBe(Date.parse('2025-01-01T00:00:00.500Z'));
  });

  it('keeps years below 100 as written', () => {
    expect(new Date(rfc3339ToMs('0042-06-01T00:00:00Z')!).getUTCFullYear()).toBe(42);
  });

  it('knows leap years', () => {
    expect(rfc3339ToMs('2024-02-29T00:00:00Z')).not.toBeNull();
    expect(rfc3339ToMs('1900-02-29T00:00:00Z')).toBeNull();
    expect(rfc3339ToMs('2000-02-29T00:00:00Z')).not.toBeNull();
  });

  it.each([
    '2025-01-01T24:00:00Z',
    '2025-01-01T00:60:00Z',
    '2025-01-01T00:00:60Z',
    '2025-01-01T00:00:00+24:00',
    '2025-01-00T00:00:00Z',
    ' 2025-01-01T00:00:00Z',
  ])('refuses %s', (text) => {
    expect(rfc3339ToMs(text)).toBeNull();
  });
});

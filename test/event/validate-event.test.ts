import { describe, expect, it } from 'vitest';
import { validateEvent, validateMessage } from '../../src/event/validate-event.js';

const NOW = Date.parse('2025-10-04T12:00:00Z');
const good = {
  provider: 'mbta',
  vehicleId: 'y1731',
  lat: 42.35,
  lon: -71.06,
  ts: '2025-10-04T11:59:00Z',
};

function reasonOf(value: unknown): string {
  const result =
    typeof value === 'string'
      ? validateMessage(value, NOW)
      : validateEvent(value as Record<string, unknown>, NOW);
  return result.ok ? 'ok' : result.reason;
}

describe('validateMessage', () => {
  it('accepts a valid event and normalizes ts to UTC milliseconds', () => {
    const result = validateMessage(
      JSON.stringify({ ...good, ts: '2025-10-04T07:59:00.123456-04:00' }),
      NOW,
    );
    expect(result).toMatchObject({
      ok: true,
      event: { tsMs: Date.parse('2025-10-04T11:59:00.123Z') },
    });
  });

  it('accepts bytes as well as strings', () => {
    expect(validateMessage(new TextEncoder().encode(JSON.stringify(good)), NOW).ok).toBe(true);
  });

  it('rejects a message over 64 KiB as too_large before parsing it', () => {
    expect(reasonOf(JSON.stringify({ ...good, label: 'x'.repeat(65_536) }))).toBe('too_large');
    expect(reasonOf('{'.repeat(70_000))).toBe('too_large');
  });

  it('counts bytes, not characters, for the size limit', () => {
    const label = 'é'.repeat(33_000); // 66,000 bytes in UTF-8, 33,000 characters
    expect(reasonOf(JSON.stringify({ ...good, label }))).toBe('too_large');
  });

  it.each(['', '{', 'null', '[]', '42', '"text"'])('rejects %j as bad_json', (text) => {
    expect(reasonOf(text)).toBe('bad_json');
  });

  it('rejects a vehicleId with a lone surrogate as bad_field, and keeps a whole pair', () => {
    expect(reasonOf(JSON.stringify({ ...good, vehicleId: 'bus\ud800' }))).toBe('bad_field');
    expect(reasonOf(JSON.stringify({ ...good, vehicleId: 'bus\u{1F68C}' }))).toBe('ok');
  });

  it('describes a value String() cannot render instead of throwing', () => {
    const result = validateMessage(JSON.stringify({ ...good, lat: { toString: 1 } }), NOW);
    expect(result).toMatchObject({ ok: false, reason: 'bad_field' });
    expect(!result.ok && result.detail).toBe('lat {"toString":1} is not a number');
  });

  it('ignores unknown fields', () => {
    expect(reasonOf(JSON.stringify({ ...good, colour: 'red' }))).toBe('ok');
  });
});

describe('validateEvent', () => {
  it.each([
    ['provider', undefined],
    ['vehicleId', null],
    ['lat', undefined],
    ['lon', null],
    ['ts', undefined],
  ])('rejects an event whose %s is %s as missing_field', (field, value) => {
    expect(reasonOf({ ...good, [field]: value })).toBe('missing_field');
  });

  it.each([
    ['an uppercase provider', { provider: 'MBTA' }],
    ['a provider of 49 characters', { provider: 'a'.repeat(49) }],
    ['a provider starting with a dot', { provider: '.mbta' }],
    ['a numeric vehicleId', { vehicleId: 1712 }],
    ['an empty vehicleId', { vehicleId: '' }],
    ['a vehicleId of 129 code points', { vehicleId: '🚌'.repeat(129) }],
    ['a string latitude', { lat: '42.35' }],
    ['a boolean longitude', { lon: true }],
  ])('rejects %s as bad_field', (_name, patch) => {
    expect(reasonOf({ ...good, ...patch })).toBe('bad_field');
  });

  it('accepts a vehicleId of 128 astral code points (256 UTF-16 units)', () => {
    expect(reasonOf({ ...good, vehicleId: '🚌'.repeat(128) })).toBe('ok');
  });

  it('accepts provider names of 48 characters with dots, dashes and underscores', () => {
    expect(reasonOf({ ...good, provider: 'gtfsrt.a-b_c' + 'x'.repeat(36) })).toBe('ok');
  });

  it.each([
    { lat: 90.0001 },
    { lat: -91 },
    { lon: 180.5 },
    { lon: -181 },
    { lat: Number.NaN },
    { lon: Number.POSITIVE_INFINITY },
  ])('rejects %o as bad_coordinates', (patch) => {
    expect(reasonOf({ ...good, ...patch })).toBe('bad_coordinates');
  });

  it('accepts the edges of the coordinate ranges', () => {
    expect(reasonOf({ ...good, lat: 90, lon: -180 })).toBe('ok');
  });

  it('rejects (0, 0) as null_island but keeps a position on one zero line', () => {
    expect(reasonOf({ ...good, lat: 0, lon: 0 })).toBe('null_island');
    expect(reasonOf({ ...good, lat: 0, lon: 32.5 })).toBe('ok');
    expect(reasonOf({ ...good, lat: 51.48, lon: 0 })).toBe('ok');
  });

  it.each([
    1759579140,
    '2025-10-04',
    '2025-10-04T11:59Z',
    '2025-10-04T11:59:60Z',
    '2025-02-29T11:59:00Z',
    '2025-10-04T11:59:00',
    '2025-10-04T11:59:00+0400',
    '2025-13-04T11:59:00Z',
    'yesterday',
  ])('rejects ts %j as bad_timestamp', (ts) => {
    expect(reasonOf({ ...good, ts })).toBe('bad_timestamp');
  });

  it('checks coordinates before the timestamp', () => {
    expect(reasonOf({ ...good, lat: 100, ts: 'never' })).toBe('bad_coordinates');
  });

  it('checks presence of every field before forms', () => {
    expect(reasonOf({ provider: 'BAD', vehicleId: 'x', lat: 1, lon: 1 })).toBe('missing_field');
  });

  it('rejects a ts more than 5 minutes ahead of the clock as future_timestamp', () => {
    expect(reasonOf({ ...good, ts: '2025-10-04T12:05:00.001Z' })).toBe('future_timestamp');
    expect(reasonOf({ ...good, ts: '2025-10-04T12:05:00.000Z' })).toBe('ok');
  });

  it('accepts a space instead of T, and a lowercase z', () => {
    expect(reasonOf({ ...good, ts: '2025-10-04 11:59:00z' })).toBe('ok');
  });

  it.each([
    ['speedKmh', -3],
    ['speedKmh', 2000.5],
    ['speedKmh', '12'],
    ['bearing', -1],
    ['bearing', 360.01],
    ['accuracyM', -0.1],
  ])('repairs %s = %j to null and counts it as cleaned', (field, value) => {
    const result = validateEvent({ ...good, [field]: value }, NOW);
    expect(result).toMatchObject({ ok: true, cleaned: [field] });
    expect(result.ok && result.event[field as 'speedKmh']).toBeNull();
  });

  it('turns bearing 360 into 0 without counting a fix', () => {
    expect(validateEvent({ ...good, bearing: 360 }, NOW)).toMatchObject({
      ok: true,
      cleaned: null,
      event: { bearing: 0 },
    });
  });

  it('drops extension fields of the wrong type and counts them', () => {
    const result = validateEvent({ ...good, label: 12, onGround: 'yes', altitudeM: 300 }, NOW);
    expect(result).toMatchObject({
      ok: true,
      cleaned: ['onGround', 'label'],
      event: { altitudeM: 300 },
    });
    expect(result.ok && 'label' in result.event).toBe(false);
  });
});

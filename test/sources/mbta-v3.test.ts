import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import type { InputRecord } from '../../src/event/position-event.js';
import {
  mbtaCaptureMs,
  mbtaVehicleResources,
  normaliseMbtaVehicles,
} from '../../src/sources/mbta-v3.js';

const page = JSON.parse(
  readFileSync(new URL('../fixtures/sources/mbta-v3-vehicles.json', import.meta.url), 'utf8'),
) as { data: unknown[]; included: unknown[] };

function eventsOf(records: InputRecord[]): Record<string, unknown>[] {
  return records.flatMap((r) => (r.kind === 'event' ? [r.event] : []));
}

describe('normaliseMbtaVehicles', () => {
  it('maps a vehicle as SPEC 2 says: id, position, speed in km/h, local-offset time as given, label and route', () => {
    const [first] = normaliseMbtaVehicles(page);
    expect(first).toEqual({
      kind: 'event',
      event: {
        provider: 'mbta',
        vehicleId: 'y1852',
        lat: 42.34237,
        lon: -71.08473,
        ts: '2024-06-03T08:15:42-04:00',
        speedKmh: 5.5 * 3.6,
        bearing: 135,
        label: '1852',
        routeId: '1',
      },
    });
  });

  it('keeps a null speed null and a bearing of 0 as 0', () => {
    const event = eventsOf(normaliseMbtaVehicles(page))[1]!;
    expect(event.speedKmh).toBeNull();
    expect(event.bearing).toBe(0);
  });

  it('makes a vehicle with null latitude and longitude no_position, naming it', () => {
    const record = normaliseMbtaVehicles(page)[2]!;
    expect(record.kind).toBe('rejected');
    if (record.kind !== 'rejected') return;
    expect(record.reason).toBe('no_position');
    expect(record.detail).toContain('y1801');
    expect(record.raw!.length).toBeLessThanOrEqual(500);
  });

  it('gives one record per vehicle and skips the included trips', () => {
    expect(normaliseMbtaVehicles(page)).toHaveLength(3);
  });

  it('reads a bare array of resources, one resource, and arrays of pages appended under another key', () => {
    expect(normaliseMbtaVehicles(page.data)).toHaveLength(3);
    expect(normaliseMbtaVehicles(page.data[0])).toHaveLength(1);
    expect(normaliseMbtaVehicles({ busdata: [...page.data, ...page.data] })).toHaveLength(6);
  });

  it('makes a vehicle without updated_at no_position, and passes a malformed updated_at on for the engine', () => {
    const resource = page.data[0] as { attributes: Record<string, unknown> };
    const undated = { ...resource, attributes: { ...resource.attributes, updated_at: null } };
    const misdated = {
      ...resource,
      attributes: { ...resource.attributes, updated_at: 'yesterday' },
    };
    expect(normaliseMbtaVehicles([undated])[0]).toMatchObject({
      kind: 'rejected',
      reason: 'no_position',
    });
    expect(normaliseMbtaVehicles([misdated])[0]).toMatchObject({
      kind: 'event',
      event: { ts: 'yesterday' },
    });
  });

  it('answers a body that is not a vehicles response with one decode_error', () => {
    const records = normaliseMbtaVehicles({ errors: [{ status: '429', code: 'rate_limited' }] });
    expect(records).toEqual([
      expect.objectContaining({ kind: 'rejected', reason: 'decode_error' }),
    ]);
  });
});

describe('mbtaVehicleResources', () => {
  it('recognises an empty JSON:API page, but not other objects', () => {
    expect(mbtaVehicleResources({ data: [], jsonapi: { version: '1.0' } })).toEqual([]);
    expect(mbtaVehicleResources({ provider: 'sim', vehicleId: 'a' })).toBeNull();
    expect(mbtaVehicleResources([{ type: 'trip' }])).toBeNull();
  });
});

describe('mbtaCaptureMs', () => {
  it('is the newest updated_at, in UTC', () => {
    expect(mbtaCaptureMs(page)).toBe(Date.parse('2024-06-03T12:15:50Z'));
  });

  it('is null when no vehicle has a time', () => {
    expect(mbtaCaptureMs({ data: [], jsonapi: {} })).toBeNull();
  });
});

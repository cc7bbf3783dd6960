import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { normaliseResponse, recogniseResponse } from '../../src/sources/provider-response.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/sources/${name}`, import.meta.url), 'utf8'));
}

describe('recogniseResponse', () => {
  it('tells each provider by its shape', () => {
    expect(recogniseResponse(fixture('mbta-v3-vehicles.json'))?.kind).toBe('mbta');
    expect(recogniseResponse(fixture('opensky-states-17.json'))?.kind).toBe('opensky');
    expect(recogniseResponse(fixture('opensky-states-bare.json'))?.kind).toBe('opensky');
    expect(recogniseResponse(fixture('gtfsrt-enhanced.json'))?.kind).toBe('gtfsrt');
  });

  it('carries the capture time of the response', () => {
    expect(recogniseResponse(fixture('opensky-states-18.json'))?.captureMs).toBe(1717402800_000);
  });

  it('names GTFS-RT events after the feed it is given', () => {
    const records = recogniseResponse(fixture('gtfsrt-enhanced.json'), { feed: 'mbta' })!.records;
    expect(records[0]).toMatchObject({ event: { provider: 'gtfsrt.mbta' } });
  });

  it('treats an empty array as a response with nothing in it', () => {
    expect(recogniseResponse([])).toEqual({ kind: 'empty', records: [], captureMs: null });
  });
});

describe('normaliseResponse', () => {
  it('gives null for a position event, which is not a provider response', () => {
    const event = { provider: 'sim', vehicleId: 'a', lat: 1, lon: 2, ts: '2024-06-03T08:00:00Z' };
    expect(normaliseResponse(event)).toBeNull();
    expect(normaliseResponse([event])).toBeNull();
    expect(normaliseResponse('text')).toBeNull();
    expect(normaliseResponse(null)).toBeNull();
  });

  it('gives one record per vehicle of a response', () => {
    expect(normaliseResponse(fixture('opensky-states-17.json'))).toHaveLength(5);
  });
});

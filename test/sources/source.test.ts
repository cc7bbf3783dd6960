import { describe, expect, it } from 'vitest';

import { recordToLogEntry, sleepUnlessAborted } from '../../src/sources/source.js';

const event = {
  provider: 'mbta',
  vehicleId: 'y1731',
  lat: 42.32978820800781,
  lon: -71.08350372314453,
  ts: '2019-03-13T00:34:08-04:00',
  speedKmh: null,
  bearing: 90,
  label: '1731',
  routeId: '1',
};

describe('recordToLogEntry', () => {
  it('keys an event by provider and vehicle id and carries it as JSON', () => {
    const entry = recordToLogEntry({ kind: 'event', event });

    expect(entry).toEqual({ key: 'mbta:y1731', value: JSON.stringify(event) });
    expect(JSON.parse(entry.value)).toEqual(event);
  });

  it('leaves an event without a string provider or vehicle id unkeyed', () => {
    const entry = recordToLogEntry({ kind: 'event', event: { ...event, vehicleId: 1731 } });

    expect(entry.key).toBe('');
  });

  it('keeps a raw line as it came, keyed by the event it holds', () => {
    const line = ' {"provider":"sim","vehicleId":"sim-0001","lat":1,"lon":2,"ts":"x"} ';

    expect(recordToLogEntry({ kind: 'raw', value: line })).toEqual({
      key: 'sim:sim-0001',
      value: line,
    });
  });

  it('reads raw bytes as UTF-8', () => {
    const line = '{"provider":"gtfsrt.kd","vehicleId":"Kąty-1"}';
    const entry = recordToLogEntry({ kind: 'raw', value: new TextEncoder().encode(line) });

    expect(entry).toEqual({ key: 'gtfsrt.kd:Kąty-1', value: line });
  });

  it('leaves raw lines that are not JSON objects unkeyed', () => {
    for (const line of ['not json', '[1,2]', '"text"', 'null']) {
      expect(recordToLogEntry({ kind: 'raw', value: line })).toEqual({ key: '', value: line });
    }
  });

  it('carries a rejection with its reason, detail and excerpt', () => {
    const entry = recordToLogEntry({
      kind: 'rejected',
      reason: 'no_position',
      detail: 'vehicle y1805 has no latitude',
      raw: '{"id":"y1805"}',
    });

    expect(entry).toEqual({
      key: '',
      value: '{"id":"y1805"}',
      reject: { reason: 'no_position', detail: 'vehicle y1805 has no latitude' },
    });
  });

  it('gives a rejection without an excerpt an empty value', () => {
    const entry = recordToLogEntry({ kind: 'rejected', reason: 'decode_error', detail: 'bad' });

    expect(entry).toEqual({
      key: '',
      value: '',
      reject: { reason: 'decode_error', detail: 'bad' },
    });
  });
});

describe('sleepUnlessAborted', () => {
  it('ends early when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);

    await sleepUnlessAborted(60_000, controller.signal);

    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('waits the time given when nothing aborts', async () => {
    const started = Date.now();

    await sleepUnlessAborted(50, new AbortController().signal);

    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

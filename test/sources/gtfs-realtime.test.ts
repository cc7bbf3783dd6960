import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import type { InputRecord } from '../../src/event/position-event.js';
import {
  decodeFeedMessage,
  decodeGtfsRealtime,
  feedMessageCaptureMs,
  gtfsRtProvider,
  isFeedMessageJson,
  normaliseFeedMessage,
} from '../../src/sources/gtfs-realtime.js';

const { FeedMessage } = GtfsRealtimeBindings.transit_realtime;

function fixtureText(name: string): string {
  return readFileSync(new URL(`../fixtures/sources/${name}`, import.meta.url), 'utf8');
}

const description = JSON.parse(fixtureText('gtfsrt-vehicle-positions.description.json')) as object;
const pb = new Uint8Array(
  readFileSync(new URL('../fixtures/sources/gtfsrt-vehicle-positions.pb', import.meta.url)),
);

function byVehicle(records: InputRecord[]): Map<string, InputRecord> {
  const map = new Map<string, InputRecord>();
  for (const record of records) {
    const id = record.kind === 'event' ? String(record.event.vehicleId) : record.kind;
    map.set(record.kind === 'rejected' ? `${id}:${record.detail}` : id, record);
  }
  return map;
}

function eventOf(records: InputRecord[], vehicleId: string): Record<string, unknown> {
  const record = records.find((r) => r.kind === 'event' && r.event.vehicleId === vehicleId);
  if (record?.kind !== 'event') throw new Error(`no event for ${vehicleId}`);
  return record.event;
}

describe('the protobuf fixture', () => {
  it('is what scripts/write-gtfsrt-fixture.mjs writes from its description', () => {
    const encoded = FeedMessage.encode(FeedMessage.fromObject(description)).finish();
    expect(Buffer.from(pb).equals(Buffer.from(encoded))).toBe(true);
  });
});

describe('decodeFeedMessage', () => {
  it('keeps own properties only for fields on the wire, so an unset bearing differs from a bearing of 0', () => {
    const feed = decodeFeedMessage(pb);
    const unset = feed.entity[1]!.vehicle!.position!;
    const zero = feed.entity[2]!.vehicle!.position!;
    // The trap SPEC 2 warns about: both read as 0 ...
    expect(unset.bearing).toBe(0);
    expect(zero.bearing).toBe(0);
    // ... and only presence tells them apart.
    expect(Object.prototype.hasOwnProperty.call(unset, 'bearing')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(zero, 'bearing')).toBe(true);
  });

  it('throws a DecodeError for bytes that are not a FeedMessage', () => {
    expect(() => decodeFeedMessage(new TextEncoder().encode('garbage, not protobuf'))).toThrow(
      expect.objectContaining({ code: 'HM_DECODE' }),
    );
  });
});

describe('decodeGtfsRealtime', () => {
  const records = decodeGtfsRealtime(pb, { feed: 'stm' });

  it('gives one record per entity, in feed order', () => {
    expect(records).toHaveLength(8);
  });

  it('maps a full vehicle: descriptor id, position, km/h, vehicle time, label and route', () => {
    expect(records[0]).toEqual({
      kind: 'event',
      event: {
        provider: 'gtfsrt.stm',
        vehicleId: 'bus-1',
        lat: Math.fround(45.5017),
        lon: Math.fround(-73.5673),
        ts: '2024-06-03T08:19:55.000Z',
        speedKmh: 36,
        bearing: 90,
        label: '1001',
        routeId: '42',
      },
    });
  });

  it('makes unset bearing and speed null, and keeps them 0 when set to 0', () => {
    expect(eventOf(records, 'bus-2')).toMatchObject({ bearing: null, speedKmh: null });
    expect(eventOf(records, 'bus-3')).toMatchObject({ bearing: 0, speedKmh: 0 });
  });

  it('passes a vehicle at (0, 0) on as an event, for the engine to reject', () => {
    expect(eventOf(records, 'bus-4')).toMatchObject({ lat: 0, lon: 0 });
  });

  it('makes an entity without position, and one that is only a trip update, no_position', () => {
    const rejected = records.filter((r) => r.kind === 'rejected');
    expect(rejected.map((r) => r.kind === 'rejected' && r.reason)).toEqual([
      'no_position',
      'no_position',
    ]);
    expect(rejected[0]!.kind === 'rejected' && rejected[0]!.detail).toContain('bus-5');
    expect(rejected[1]!.kind === 'rejected' && rejected[1]!.detail).toContain('e-trip-update');
  });

  it('falls back to the entity id for an empty vehicle id, and leaves out empty labels and routes', () => {
    const event = eventOf(records, 'e-empty-id');
    expect(event).not.toHaveProperty('label');
    expect(event).not.toHaveProperty('routeId');
    expect(event.bearing).toBe(Math.fround(270.5));
  });

  it('takes the header time for a vehicle timestamp of 0', () => {
    expect(eventOf(records, 'bus-8')).toMatchObject({
      ts: '2024-06-03T08:20:00.000Z',
      speedKmh: 2.5 * 3.6,
    });
  });

  it('names the provider gtfsrt without a feed name', () => {
    expect(decodeGtfsRealtime(pb)[0]).toMatchObject({ event: { provider: 'gtfsrt' } });
    expect(gtfsRtProvider('')).toBe('gtfsrt');
  });

  it('makes a body that does not decode one decode_error, without throwing', () => {
    expect(decodeGtfsRealtime(Uint8Array.of(0x0a, 0xff, 0xff))).toEqual([
      expect.objectContaining({ kind: 'rejected', reason: 'decode_error' }),
    ]);
  });

  it('makes a vehicle with neither its own time nor a header time no_position', () => {
    const feed = FeedMessage.fromObject({
      header: { gtfsRealtimeVersion: '2.0' },
      entity: [{ id: 'x', vehicle: { position: { latitude: 1, longitude: 2 } } }],
    });
    const bytes = FeedMessage.encode(feed).finish();
    expect(decodeGtfsRealtime(bytes)).toMatchObject([{ kind: 'rejected', reason: 'no_position' }]);
    expect(feedMessageCaptureMs(decodeFeedMessage(bytes))).toBeNull();
  });
});

describe('normaliseFeedMessage on the JSON rendering', () => {
  const feed = JSON.parse(fixtureText('gtfsrt-enhanced.json')) as object;
  const records = normaliseFeedMessage(feed, { feed: 'mbta' });

  it('reads snake_case keys and passes a bearing of 360 or -1 on unchanged', () => {
    expect(records[0]).toEqual({
      kind: 'event',
      event: {
        provider: 'gtfsrt.mbta',
        vehicleId: 'R-5477E2A1',
        lat: 42.35222,
        lon: -71.05524,
        ts: '2024-06-03T08:19:48.000Z',
        speedKmh: 8.2 * 3.6,
        bearing: 360,
        label: '1714',
        routeId: 'Red',
      },
    });
    expect(eventOf(records, '1433')).toMatchObject({ bearing: -1, lat: -1.6777216, lon: 0 });
  });

  it('takes the header time for a vehicle without one, and null for a missing bearing', () => {
    expect(eventOf(records, 'y1894')).toMatchObject({
      ts: '2024-06-03T08:20:00.000Z',
      bearing: null,
    });
  });

  it('makes a null position no_position', () => {
    expect(records[3]).toMatchObject({ kind: 'rejected', reason: 'no_position' });
  });

  it('reads the capture time from the header', () => {
    expect(feedMessageCaptureMs(feed)).toBe(1717402800_000);
    expect(isFeedMessageJson(feed)).toBe(true);
    expect(isFeedMessageJson({ data: [] })).toBe(false);
  });

  it('gives the same events as the protobuf for the same feed', () => {
    const decoded = byVehicle(decodeGtfsRealtime(pb));
    const rendered = byVehicle(
      normaliseFeedMessage(FeedMessage.toObject(decodeFeedMessage(pb), { longs: String }), {}),
    );
    expect([...rendered]).toEqual([...decoded]);
  });
});

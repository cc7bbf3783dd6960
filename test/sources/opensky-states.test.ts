import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import type { InputRecord } from '../../src/event/position-event.js';
import {
  normaliseOpenSkyState,
  normaliseOpenSkyStates,
  openSkyCaptureMs,
  openSkyStates,
} from '../../src/sources/opensky-states.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/sources/${name}`, import.meta.url), 'utf8'));
}

function eventOf(record: InputRecord | undefined): Record<string, unknown> {
  if (record?.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(record)}`);
  return record.event;
}

const seventeen = fixture('opensky-states-17.json');
const eighteen = fixture('opensky-states-18.json');

describe('normaliseOpenSkyStates', () => {
  it('maps a state by index: icao24, lat at 6, lon at 5, speed in km/h, track, time_position, geo altitude, callsign trimmed', () => {
    expect(eventOf(normaliseOpenSkyStates(seventeen)[0])).toEqual({
      provider: 'opensky',
      vehicleId: '4ca7b5',
      lat: 51.4706,
      lon: -0.4614,
      ts: '2024-06-03T08:14:59.000Z',
      speedKmh: 92.31 * 3.6,
      bearing: 272.4,
      altitudeM: 1653.54,
      onGround: false,
      label: 'RYR4TB',
    });
  });

  it('keeps an aircraft on the prime meridian and one on the equator', () => {
    const records = normaliseOpenSkyStates(seventeen);
    expect(eventOf(records[1])).toMatchObject({ vehicleId: '406a93', lon: 0, lat: 51.4811 });
    expect(eventOf(records[4])).toMatchObject({ vehicleId: 'e48d3a', lat: 0, lon: -40.2811 });
  });

  it('leaves out a callsign of spaces or empty, and altitudes that are both null', () => {
    const grounded = eventOf(normaliseOpenSkyStates(seventeen)[2]);
    expect(grounded).not.toHaveProperty('label');
    expect(grounded).not.toHaveProperty('altitudeM');
    expect(grounded.onGround).toBe(true);
    expect(eventOf(normaliseOpenSkyStates(seventeen)[4])).not.toHaveProperty('label');
  });

  it('makes an aircraft without position no_position, naming it', () => {
    const record = normaliseOpenSkyStates(seventeen)[3];
    expect(record).toMatchObject({ kind: 'rejected', reason: 'no_position' });
    expect(record?.kind === 'rejected' && record.detail).toContain('a0f3b1');
  });

  it('makes a position without time_position no_position', () => {
    const state = [
      'abc123',
      'X',
      'Y',
      null,
      1717402500,
      1,
      2,
      null,
      false,
      1,
      1,
      0,
      null,
      null,
      null,
      false,
      0,
    ];
    expect(normaliseOpenSkyState(state)).toMatchObject({ kind: 'rejected', reason: 'no_position' });
  });

  it('reads 18-field states and short ones, with null speed and track kept null', () => {
    const records = normaliseOpenSkyStates(eighteen);
    expect(records).toHaveLength(3);
    expect(eventOf(records[0])).toMatchObject({ vehicleId: 'aa56da', altitudeM: 11140.44 });
    expect(eventOf(records[1])).toMatchObject({ speedKmh: null, bearing: null, onGround: true });
    // The short state stops after index 12: no geo altitude, so the barometric one.
    expect(eventOf(records[2])).toMatchObject({ vehicleId: 'a1b2c3', altitudeM: -30.48 });
  });

  it('gives no record for `states: null` and one decode_error for a body of another shape', () => {
    expect(normaliseOpenSkyStates({ time: 1717402500, states: null })).toEqual([]);
    expect(normaliseOpenSkyStates({ message: 'Too many requests' })).toMatchObject([
      { kind: 'rejected', reason: 'decode_error' },
    ]);
  });

  it('passes the engine nothing that JSON cannot carry', () => {
    const state = [
      'abc123',
      null,
      'Z',
      1717402500,
      1717402500,
      1,
      2,
      Number.NaN,
      false,
      Infinity,
      Number.NaN,
    ];
    const event = eventOf(normaliseOpenSkyState(state));
    expect(event).toMatchObject({ speedKmh: null, bearing: null });
    expect(event).not.toHaveProperty('altitudeM');
  });
});

describe('openSkyStates', () => {
  it('recognises a bare array of states and rejects other arrays', () => {
    expect(openSkyStates(fixture('opensky-states-bare.json'))).toHaveLength(2);
    expect(openSkyStates([{ type: 'vehicle' }])).toBeNull();
  });
});

describe('openSkyCaptureMs', () => {
  it('is the response time, or the newest last_contact of a bare array', () => {
    expect(openSkyCaptureMs(seventeen)).toBe(1717402500_000);
    expect(openSkyCaptureMs(fixture('opensky-states-bare.json'))).toBe(1717402750_000);
  });
});

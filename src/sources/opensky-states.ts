/**
 * OpenSky Network `/states/all` responses to position events, as SPEC 2 maps them. A state
 * vector is an array read by index (TECH-NOTES section 6, from OpenSky's `states-response.rst`):
 * 17 fields, 18 with `extended=1` (the aircraft category), perhaps more one day; missing indices
 * read as null. Recordings also keep bare arrays of states with the `{time, states}` envelope
 * stripped (renghen/opensky-json in PROVENANCE.md).
 */
import type { InputRecord } from '../event/position-event.js';
import {
  eventRecord,
  finiteOrNull,
  isMissingCoordinate,
  nameOf,
  noPosition,
  nonBlank,
  optionalNumber,
  tsFromUnixSeconds,
  type EventFields,
} from './event-fields.js';

/** The provider name of OpenSky events. */
export const OPENSKY_PROVIDER = 'opensky';

/** Indices of the state vector fields that events use (OpenSky REST API, "State Vectors"). */
const ICAO24 = 0;
const CALLSIGN = 1;
const TIME_POSITION = 3;
const LAST_CONTACT = 4;
const LONGITUDE = 5;
const LATITUDE = 6;
const BARO_ALTITUDE = 7;
const ON_GROUND = 8;
const VELOCITY = 9;
const TRUE_TRACK = 10;
const GEO_ALTITUDE = 13;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Finds the state vectors of an OpenSky response.
 *
 * @param body - a parsed JSON body
 * @returns the states (none when the API answered `states: null`), or null when `body` is not
 *   an OpenSky response
 */
export function openSkyStates(body: unknown): unknown[] | null {
  if (Array.isArray(body)) {
    // A bare array of states: every state is an array that starts with the icao24 address.
    const first: unknown = body[0];
    return Array.isArray(first) && typeof first[ICAO24] === 'string' ? body : null;
  }
  if (!isObject(body) || !('states' in body) || !('time' in body)) return null;
  if (body.states === null) return [];
  return Array.isArray(body.states) ? body.states : null;
}

/**
 * Maps one state vector to an input record: an event, or `no_position` when the aircraft has
 * no latitude, longitude or `time_position`. A latitude or a longitude of 0 alone is a real
 * position (the equator, the prime meridian).
 *
 * @param state - one state vector; anything else counts as a state without a position
 * @returns one input record
 */
export function normaliseOpenSkyState(state: unknown): InputRecord {
  const fields: unknown[] = Array.isArray(state) ? state : [];
  const at = (index: number): unknown => fields[index] ?? null;
  const name = nameOf(at(ICAO24));

  if (isMissingCoordinate(at(LATITUDE)) || isMissingCoordinate(at(LONGITUDE))) {
    return noPosition(`opensky aircraft ${name} has no position`, state);
  }
  const timePosition = at(TIME_POSITION);
  if (timePosition === null) {
    return noPosition(`opensky aircraft ${name} has no time_position`, state);
  }

  const event: EventFields = {
    provider: OPENSKY_PROVIDER,
    vehicleId: at(ICAO24),
    lat: at(LATITUDE),
    lon: at(LONGITUDE),
    ts: typeof timePosition === 'number' ? tsFromUnixSeconds(timePosition) : timePosition,
    speedKmh: optionalNumber(at(VELOCITY), 3.6),
    bearing: optionalNumber(at(TRUE_TRACK)),
  };

  const altitudeM = finiteOrNull(at(GEO_ALTITUDE)) ?? finiteOrNull(at(BARO_ALTITUDE));
  if (altitudeM !== null) event.altitudeM = altitudeM;
  const onGround = at(ON_GROUND);
  if (typeof onGround === 'boolean') event.onGround = onGround;
  // Callsigns are right-padded to 8 characters; one recorded callsign is 8 spaces (PROVENANCE.md).
  const label = nonBlank(at(CALLSIGN));
  if (label !== undefined) event.label = label;
  return eventRecord(event);
}

/**
 * Normalises an OpenSky `/states/all` response (or a bare array of its states) to input
 * records, one per state vector.
 *
 * @param body - the parsed JSON body
 * @returns one record per state; a single `decode_error` record when `body` is not an OpenSky
 *   response
 */
export function normaliseOpenSkyStates(body: unknown): InputRecord[] {
  const states = openSkyStates(body);
  if (states === null) {
    return [{ kind: 'rejected', reason: 'decode_error', detail: 'not an OpenSky states response' }];
  }
  return states.map(normaliseOpenSkyState);
}

/**
 * The capture time of an OpenSky response: its `time`; for a bare array of states, the newest
 * `last_contact` (the envelope that held `time` is gone).
 *
 * @param body - the parsed JSON body
 * @returns epoch milliseconds, or null when the response tells no time
 */
export function openSkyCaptureMs(body: unknown): number | null {
  if (isObject(body)) {
    const time = finiteOrNull(body.time);
    return time === null ? null : time * 1000;
  }
  let newest: number | null = null;
  for (const state of openSkyStates(body) ?? []) {
    const lastContact = Array.isArray(state) ? finiteOrNull(state[LAST_CONTACT]) : null;
    if (lastContact !== null && (newest === null || lastContact > newest)) newest = lastContact;
  }
  return newest === null ? null : newest * 1000;
}

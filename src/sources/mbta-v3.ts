/**
 * MBTA V3 API `/vehicles` responses (JSON:API) to position events, as SPEC 2 maps them. Besides
 * the API's own document `{data: [...]}`, it reads what recordings of it look like: a bare array
 * of vehicle resources (the `reset` event of the streaming API), one resource (its `update`
 * event), and an object whose arrays hold resources (the 2019 recording appended every poll's
 * `data` to one array `busdata`).
 */
import type { InputRecord } from '../event/position-event.js';
import { rfc3339ToMs } from '../event/rfc3339.js';
import {
  eventRecord,
  isMissingCoordinate,
  nameOf,
  noPosition,
  nonBlank,
  optionalNumber,
  type EventFields,
} from './event-fields.js';

/** The provider name of MBTA V3 events. */
export const MBTA_PROVIDER = 'mbta';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isVehicleResource(value: unknown): value is Json {
  return isObject(value) && value.type === 'vehicle';
}

/**
 * Finds the vehicle resources of a V3 response, in the order given. Other resources, such as
 * the trips of `included` (`include=trip`), are not vehicles and are skipped.
 *
 * @param body - a parsed JSON body
 * @returns the vehicle resources, or null when `body` is not a V3 vehicles response
 */
export function mbtaVehicleResources(body: unknown): Record<string, unknown>[] | null {
  if (Array.isArray(body)) {
    return body.length > 0 && isVehicleResource(body[0]) ? body.filter(isVehicleResource) : null;
  }
  if (!isObject(body)) return null;
  if (isVehicleResource(body) && isObject(body.attributes)) return [body];

  if ('data' in body) {
    const data = body.data;
    if (isVehicleResource(data)) return [data];
    if (!Array.isArray(data)) return null;
    if (data.some(isVehicleResource)) return data.filter(isVehicleResource);
    // An empty page is still a V3 document when it says so (`jsonapi`), or has nothing else.
    const isEmptyPage = data.length === 0 && ('jsonapi' in body || Object.keys(body).length === 1);
    return isEmptyPage ? [] : null;
  }

  // A recording that appended pages to arrays of its own (ShiqingLiuMIT/hw4 `db.json`: `busdata`).
  const arrays = Object.values(body).filter(
    (value): value is unknown[] => Array.isArray(value) && isVehicleResource(value[0]),
  );
  return arrays.length === 0 ? null : arrays.flat().filter(isVehicleResource);
}

/**
 * Maps one V3 vehicle resource to an input record: an event, or `no_position` when it has no
 * latitude, longitude or `updated_at`.
 *
 * @param resource - a JSON:API resource of type `vehicle`
 * @returns one input record
 */
export function normaliseMbtaVehicle(resource: Record<string, unknown>): InputRecord {
  const attributes = isObject(resource.attributes) ? resource.attributes : {};
  const { latitude, longitude, updated_at: updatedAt } = attributes;

  if (isMissingCoordinate(latitude) || isMissingCoordinate(longitude)) {
    return noPosition(`mbta vehicle ${nameOf(resource.id)} has no latitude or longitude`, resource);
  }
  if (updatedAt === null || updatedAt === undefined) {
    return noPosition(`mbta vehicle ${nameOf(resource.id)} has no updated_at`, resource);
  }

  // updated_at carries MBTA's local offset (-04:00 or -05:00): it stays as given, and the engine
  // turns it into UTC (TECH-NOTES section 5; recordings of both offsets in PROVENANCE.md).
  const event: EventFields = {
    provider: MBTA_PROVIDER,
    vehicleId: resource.id ?? null,
    lat: latitude,
    lon: longitude,
    ts: updatedAt,
    speedKmh: optionalNumber(attributes.speed, 3.6),
    bearing: optionalNumber(attributes.bearing),
  };
  const label = nonBlank(attributes.label);
  if (label !== undefined) event.label = label;
  const routeId = nonBlank(routeOf(resource));
  if (routeId !== undefined) event.routeId = routeId;
  return eventRecord(event);
}

function routeOf(resource: Json): unknown {
  const relationships = resource.relationships;
  if (!isObject(relationships) || !isObject(relationships.route)) return undefined;
  const data = relationships.route.data;
  return isObject(data) ? data.id : undefined;
}

/**
 * Normalises a V3 `/vehicles` response (or a recording of it) to input records, one per
 * vehicle resource.
 *
 * @param body - the parsed JSON body
 * @returns one record per vehicle; a single `decode_error` record when `body` is not a V3
 *   vehicles response (an `errors` document, say)
 */
export function normaliseMbtaVehicles(body: unknown): InputRecord[] {
  const resources = mbtaVehicleResources(body);
  if (resources === null) {
    return [
      { kind: 'rejected', reason: 'decode_error', detail: 'not an MBTA V3 vehicles response' },
    ];
  }
  return resources.map(normaliseMbtaVehicle);
}

/**
 * The capture time of a V3 response: the newest `updated_at` among its vehicles, since the API
 * sends no time of its own in the body.
 *
 * @param body - the parsed JSON body
 * @returns epoch milliseconds, or null when no vehicle has a valid `updated_at`
 */
export function mbtaCaptureMs(body: unknown): number | null {
  let newest: number | null = null;
  for (const resource of mbtaVehicleResources(body) ?? []) {
    const attributes = resource.attributes;
    const updatedAt = isObject(attributes) ? attributes.updated_at : undefined;
    const ms = typeof updatedAt === 'string' ? rfc3339ToMs(updatedAt) : null;
    if (ms !== null && (newest === null || ms > newest)) newest = ms;
  }
  return newest;
}

/**
 * GTFS-Realtime VehiclePositions to position events, as SPEC 2 maps them: protobuf bodies,
 * decoded with the official bindings, and the JSON rendering MBTA publishes
 * (`VehiclePositions_enhanced.json`, snake_case keys). Both are read through one accessor that
 * knows each field's two spellings (`route_id`, `routeId`) and checks presence, because protobuf
 * reads an unset number as 0: a decoded message has an own property only for a field that was on
 * the wire (protobufjs static code keeps defaults on the prototype).
 */
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';

import type { InputRecord } from '../event/position-event.js';
import { DecodeError } from '../errors.js';
import {
  eventRecord,
  integerOrNull,
  isMissingCoordinate,
  nameOf,
  noPosition,
  nonBlank,
  optionalNumber,
  tsFromUnixSeconds,
  type EventFields,
} from './event-fields.js';

const { transit_realtime: realtime } = GtfsRealtimeBindings;

/** Options of the GTFS-RT normalisers. */
export interface GtfsRtOptions {
  /** The feed's name: events get the provider `gtfsrt.<feed>`, or `gtfsrt` without one. */
  feed?: string;
}

/**
 * The provider name of a GTFS-RT feed (SPEC 2).
 *
 * @param feed - the feed's name, as `--feed` gives it
 * @returns `gtfsrt.<feed>`, or `gtfsrt` when no name (or an empty one) is given
 */
export function gtfsRtProvider(feed?: string): string {
  return feed === undefined || feed === '' ? 'gtfsrt' : `gtfsrt.${feed}`;
}

/** A field that is really there: own, not null. The first of the given spellings that is. */
function field(message: unknown, ...names: string[]): unknown {
  if (typeof message !== 'object' || message === null) return undefined;
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(message, name)) continue;
    const value: unknown = (message as Record<string, unknown>)[name];
    if (value !== null && value !== undefined) return value;
  }
  return undefined;
}

/** A GTFS-RT time in Unix seconds; 0, the protobuf default, counts as absent (SPEC 2). */
function timestampOf(message: unknown): number | null {
  const seconds = integerOrNull(field(message, 'timestamp'));
  return seconds === 0 ? null : seconds;
}

/** An id; the empty string, which producers send for "none", counts as absent (SPEC 2). */
function idOf(message: unknown): string | undefined {
  const id = field(message, 'id');
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * Maps one FeedEntity to an input record. An entity that is not a vehicle position (a trip
 * update, an alert) or has no position is `no_position`, since every entity is one input record
 * (SPEC 1); so is a vehicle with neither its own timestamp nor the header's.
 *
 * @param entity - a decoded FeedEntity, or one from the JSON rendering
 * @param provider - the events' provider name
 * @param headerSeconds - the feed header's timestamp, the fallback of vehicles without one
 * @returns one input record
 */
export function normaliseFeedEntity(
  entity: unknown,
  provider: string,
  headerSeconds: number | null,
): InputRecord {
  const vehicle = field(entity, 'vehicle');
  const descriptor = field(vehicle, 'vehicle');
  const vehicleId = idOf(descriptor) ?? idOf(entity);
  const name = `gtfsrt entity ${nameOf(idOf(entity))} (vehicle ${nameOf(vehicleId)})`;

  if (vehicle === undefined) return noPosition(`${name} is not a vehicle position`, entity);
  const position = field(vehicle, 'position');
  const lat = field(position, 'latitude');
  const lon = field(position, 'longitude');
  if (isMissingCoordinate(lat) || isMissingCoordinate(lon)) {
    return noPosition(`${name} has no position`, entity);
  }
  // The Estonian feed has no vehicle timestamps at all, only the header's (PROVENANCE.md).
  const seconds = timestampOf(vehicle) ?? headerSeconds;
  if (seconds === null) return noPosition(`${name} has no timestamp`, entity);

  const event: EventFields = {
    provider,
    vehicleId: vehicleId ?? null,
    lat,
    lon,
    ts: tsFromUnixSeconds(seconds),
    speedKmh: optionalNumber(field(position, 'speed'), 3.6),
    bearing: optionalNumber(field(position, 'bearing')),
  };
  const label = nonBlank(field(descriptor, 'label'));
  if (label !== undefined) event.label = label;
  const routeId = nonBlank(field(field(vehicle, 'trip'), 'route_id', 'routeId'));
  if (routeId !== undefined) event.routeId = routeId;
  return eventRecord(event);
}

/**
 * Normalises a FeedMessage, decoded from protobuf or parsed from the JSON rendering, to input
 * records, one per entity.
 *
 * @param feed - the FeedMessage object
 * @param opts - the feed's name
 * @returns one record per entity, in feed order
 */
export function normaliseFeedMessage(feed: object, opts: GtfsRtOptions = {}): InputRecord[] {
  const provider = gtfsRtProvider(opts.feed);
  const headerSeconds = timestampOf(field(feed, 'header'));
  const entities = field(feed, 'entity');
  if (!Array.isArray(entities)) return [];
  return entities.map((entity: unknown) => normaliseFeedEntity(entity, provider, headerSeconds));
}

/**
 * The capture time of a feed: its header timestamp.
 *
 * @param feed - the FeedMessage object
 * @returns epoch milliseconds, or null when the header has no timestamp (or 0)
 */
export function feedMessageCaptureMs(feed: object): number | null {
  const seconds = timestampOf(field(feed, 'header'));
  return seconds === null ? null : seconds * 1000;
}

/**
 * Tells whether a parsed JSON body is a FeedMessage in the JSON rendering: it has a list of
 * entities, or a header that names a GTFS-RT version or a timestamp.
 *
 * @param body - a parsed JSON body
 * @returns true for a FeedMessage
 */
export function isFeedMessageJson(body: unknown): body is object {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  if (Array.isArray(field(body, 'entity'))) return true;
  const header = field(body, 'header');
  return field(header, 'gtfs_realtime_version', 'gtfsRealtimeVersion', 'timestamp') !== undefined;
}

/**
 * Decodes a protobuf FeedMessage.
 *
 * @param bytes - the body
 * @returns the decoded message, whose fields are own properties only when set
 * @throws DecodeError when the bytes are not a FeedMessage
 */
export function decodeFeedMessage(
  bytes: Uint8Array,
): GtfsRealtimeBindings.transit_realtime.FeedMessage {
  try {
    return realtime.FeedMessage.decode(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new DecodeError(`not a GTFS-Realtime FeedMessage (${bytes.length} bytes): ${reason}`, {
      cause: err,
    });
  }
}

/**
 * Decodes and normalises a protobuf GTFS-RT body. It never throws: a body that does not
 * decode counts once, as one `decode_error` record (SPEC 2).
 *
 * @param bytes - the body
 * @param opts - the feed's name
 * @returns one record per entity, or one `decode_error` record
 */
export function decodeGtfsRealtime(bytes: Uint8Array, opts: GtfsRtOptions = {}): InputRecord[] {
  let feed: GtfsRealtimeBindings.transit_realtime.FeedMessage;
  try {
    feed = decodeFeedMessage(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return [
      {
        kind: 'rejected',
        reason: 'decode_error',
        detail: `${gtfsRtProvider(opts.feed)}: ${reason}`,
      },
    ];
  }
  return normaliseFeedMessage(feed, opts);
}

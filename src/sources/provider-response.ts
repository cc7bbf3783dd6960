/**
 * Recognises a parsed JSON body as one provider's response, by its shape alone: a GTFS-RT
 * FeedMessage in the JSON rendering, an OpenSky states response, or an MBTA V3 vehicles
 * document. Recorded files and NDJSON lines carry no provider name, so the shape must tell
 * (SPEC 4: inputs are "recognised by content").
 */
import type { InputRecord } from '../event/position-event.js';
import {
  feedMessageCaptureMs,
  isFeedMessageJson,
  normaliseFeedMessage,
  type GtfsRtOptions,
} from './gtfs-realtime.js';
import { mbtaCaptureMs, mbtaVehicleResources, normaliseMbtaVehicle } from './mbta-v3.js';
import { normaliseOpenSkyState, openSkyCaptureMs, openSkyStates } from './opensky-states.js';

/** A body recognised as a provider's response. */
export interface RecognisedResponse {
  /** Which provider's shape it has. */
  kind: 'gtfsrt' | 'opensky' | 'mbta' | 'empty';
  /** One input record per vehicle, aircraft or entity. */
  records: InputRecord[];
  /** The response's capture time in epoch ms (see RecordBatch), or null. */
  captureMs: number | null;
}

/**
 * Recognises and normalises a provider's response. The checks go from the most telling shape
 * to the least: a feed's `entity`/`header`, OpenSky's `states`, then MBTA resources of type
 * `vehicle`. An empty array is a response with nothing in it.
 *
 * @param body - a parsed JSON body
 * @param opts - the GTFS-RT feed's name
 * @returns the records and capture time, or null when `body` has no known provider's shape
 */
export function recogniseResponse(
  body: unknown,
  opts: GtfsRtOptions = {},
): RecognisedResponse | null {
  if (Array.isArray(body) && body.length === 0) {
    return { kind: 'empty', records: [], captureMs: null };
  }

  if (isFeedMessageJson(body)) {
    const records = normaliseFeedMessage(body, opts);
    return { kind: 'gtfsrt', records, captureMs: feedMessageCaptureMs(body) };
  }

  const states = openSkyStates(body);
  if (states !== null) {
    return {
      kind: 'opensky',
      records: states.map(normaliseOpenSkyState),
      captureMs: openSkyCaptureMs(body),
    };
  }

  const vehicles = mbtaVehicleResources(body);
  if (vehicles !== null) {
    return {
      kind: 'mbta',
      records: vehicles.map(normaliseMbtaVehicle),
      captureMs: mbtaCaptureMs(body),
    };
  }
  return null;
}

/**
 * Normalises a parsed body when it is a provider's response (an NDJSON line may hold one).
 *
 * @param body - a parsed JSON body
 * @param opts - the GTFS-RT feed's name
 * @returns one record per vehicle, aircraft or entity; null when `body` is not a recognised
 *   provider response (an event, say, which the engine validates itself)
 */
export function normaliseResponse(body: unknown, opts: GtfsRtOptions = {}): InputRecord[] | null {
  return recogniseResponse(body, opts)?.records ?? null;
}

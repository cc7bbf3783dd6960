/**
 * Validation of position events (SPEC 1). Checks run in the order the SPEC gives, and the first
 * that fails decides the reason. Optional fields that break their rule are repaired to null and
 * counted under `cleaned`, so a bad bearing never costs a position.
 */
import type { CleanableField, PositionEvent, RejectReason } from './position-event.js';
import { rfc3339ToMs } from './rfc3339.js';
import { valueText } from './value-text.js';

/** Messages above this many bytes are `too_large` (SPEC 1: 64 KiB). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Events more than this far ahead of the engine's clock are `future_timestamp` (SPEC 1). */
export const MAX_FUTURE_MS = 5 * 60 * 1000;

/** The form of a provider name (SPEC 1), as a pattern for JSON schemas and OpenAPI. */
export const PROVIDER_NAME_PATTERN = '[a-z0-9][a-z0-9._-]{0,47}';

const PROVIDER_NAME = new RegExp(`^${PROVIDER_NAME_PATTERN}$`);

/** The outcome of validating one record: an event, or a reason with a detail naming the bad value. */
export type ValidationResult =
  | { ok: true; event: PositionEvent; cleaned: CleanableField[] | null }
  | { ok: false; reason: RejectReason; detail: string; provider?: string };

/** Whether `name` is a valid provider name (SPEC 1), e.g. `mbta` or `gtfsrt.mbta`. */
export function isProviderName(name: unknown): name is string {
  return typeof name === 'string' && PROVIDER_NAME.test(name);
}

function reject(reason: RejectReason, detail: string, provider?: unknown): ValidationResult {
  return typeof provider === 'string'
    ? { ok: false, reason, detail, provider }
    : { ok: false, reason, detail };
}

// String.prototype.isWellFormed is in Node 20 but not in the ES2023 library we type against.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function describe(value: unknown): string {
  return valueText(value, 80);
}

function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * Parses and validates one message as read from the log.
 *
 * @param value - the message, as a string or UTF-8 bytes
 * @param nowMs - the engine's clock, for `future_timestamp`
 * @returns the event, or the reason it is rejected
 */
export function validateMessage(value: string | Uint8Array, nowMs: number): ValidationResult {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short strings need no count.
  const bytes =
    typeof value !== 'string'
      ? value.byteLength
      : value.length * 3 <= MAX_MESSAGE_BYTES
        ? 0
        : Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_MESSAGE_BYTES) {
    return reject(
      'too_large',
      `message of ${bytes} bytes is over the limit of ${MAX_MESSAGE_BYTES}`,
    );
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : Buffer.from(value).toString('utf8'));
  } catch (err) {
    return reject('bad_json', `not JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return reject('bad_json', `not a JSON object: ${describe(parsed)}`);
  }
  return validateEvent(parsed as Record<string, unknown>, nowMs);
}

/**
 * Validates a parsed event object: required fields, coordinates, timestamp, then optional fields.
 *
 * @param raw - the object, with `ts` as an RFC 3339 string
 * @param nowMs - the engine's clock, for `future_timestamp`
 * @returns the event, or the reason it is rejected
 */
export function validateEvent(raw: Record<string, unknown>, nowMs: number): ValidationResult {
  const { provider, vehicleId, lat, lon, ts } = raw;

  // Stage 1: presence of the required fields.
  if (provider == null) return reject('missing_field', 'provider is missing');
  if (vehicleId == null) return reject('missing_field', 'vehicleId is missing', provider);
  if (lat == null) return reject('missing_field', 'lat is missing', provider);
  if (lon == null) return reject('missing_field', 'lon is missing', provider);
  if (ts == null) return reject('missing_field', 'ts is missing', provider);

  // Stage 2: types and forms.
  if (!isProviderName(provider)) {
    return reject('bad_field', `provider ${describe(provider)} is not a valid provider name`);
  }
  if (typeof vehicleId !== 'string') {
    return reject('bad_field', `vehicleId ${describe(vehicleId)} is not a string`, provider);
  }
  // A lone surrogate has no UTF-8 form: stores and logs would turn it into U+FFFD, and two
  // different ids would then name one vehicle.
  if (LONE_SURROGATE.test(vehicleId)) {
    return reject('bad_field', `vehicleId ${describe(vehicleId)} holds a lone surrogate`, provider);
  }
  const idLength = codePointLength(vehicleId);
  if (idLength < 1 || idLength > 128) {
    return reject('bad_field', `vehicleId has ${idLength} code points, not 1 to 128`, provider);
  }
  if (typeof lat !== 'number')
    return reject('bad_field', `lat ${describe(lat)} is not a number`, provider);
  if (typeof lon !== 'number')
    return reject('bad_field', `lon ${describe(lon)} is not a number`, provider);

  // Stage 3: coordinates.
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) {
    return reject('bad_coordinates', `lat ${lat} is outside -90..90`, provider);
  }
  if (!Number.isFinite(lon) || lon < -180 || lon > 180) {
    return reject('bad_coordinates', `lon ${lon} is outside -180..180`, provider);
  }
  if (lat === 0 && lon === 0) return reject('null_island', 'position is exactly (0, 0)', provider);

  // Stage 4: time. A ts that is not a string is not an RFC 3339 date-time either.
  const tsMs = typeof ts === 'string' ? rfc3339ToMs(ts) : null;
  if (tsMs === null) {
    return reject('bad_timestamp', `ts ${describe(ts)} is not an RFC 3339 date-time`, provider);
  }
  if (tsMs - nowMs > MAX_FUTURE_MS) {
    return reject('future_timestamp', `ts ${describe(ts)} is more than 5 minutes ahead`, provider);
  }

  // Stage 5: optional fields, repaired rather than rejected.
  return cleanOptionalFields(raw, { provider, vehicleId, lat, lon, tsMs });
}

type RequiredPart = Pick<PositionEvent, 'provider' | 'vehicleId' | 'lat' | 'lon' | 'tsMs'>;

/** A number within [min, max], or undefined when the value breaks that rule. */
function inRange(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && value >= min && value <= max ? value : undefined;
}

function cleanOptionalFields(
  raw: Record<string, unknown>,
  required: RequiredPart,
): ValidationResult {
  // The event is built with every core field at once, so all events share one object shape.
  const event: PositionEvent = {
    provider: required.provider,
    vehicleId: required.vehicleId,
    lat: required.lat,
    lon: required.lon,
    tsMs: required.tsMs,
    speedKmh: null,
    bearing: null,
    accuracyM: null,
  };
  let cleaned: CleanableField[] | null = null;

  const { speedKmh, bearing, accuracyM } = raw;
  if (speedKmh != null) {
    const speed = inRange(speedKmh, 0, 2000);
    if (speed === undefined) (cleaned ??= []).push('speedKmh');
    else event.speedKmh = speed;
  }
  if (bearing != null) {
    const degrees = inRange(bearing, 0, 360);
    if (degrees === undefined) (cleaned ??= []).push('bearing');
    else event.bearing = degrees === 360 ? 0 : degrees;
  }
  if (accuracyM != null) {
    const metres = inRange(accuracyM, 0, Number.MAX_VALUE);
    if (metres === undefined) (cleaned ??= []).push('accuracyM');
    else event.accuracyM = metres;
  }

  // Extensions: kept when of their type, dropped (and counted) when not.
  const { altitudeM, onGround, label, routeId, mode } = raw;
  if (altitudeM != null) {
    if (typeof altitudeM === 'number' && Number.isFinite(altitudeM)) event.altitudeM = altitudeM;
    else (cleaned ??= []).push('altitudeM');
  }
  if (onGround != null) {
    if (typeof onGround === 'boolean') event.onGround = onGround;
    else (cleaned ??= []).push('onGround');
  }
  if (label != null) {
    if (typeof label === 'string') event.label = label;
    else (cleaned ??= []).push('label');
  }
  if (routeId != null) {
    if (typeof routeId === 'string') event.routeId = routeId;
    else (cleaned ??= []).push('routeId');
  }
  if (mode != null) {
    if (typeof mode === 'string') event.mode = mode;
    else (cleaned ??= []).push('mode');
  }
  return { ok: true, event, cleaned };
}

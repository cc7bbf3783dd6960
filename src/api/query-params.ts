/**
 * Query parameters of the map routes (SPEC 5): `provider`, `bbox`, `limit`, and `minutes` or
 * `maxAgeSec`. Each is parsed strictly here, and a bad one becomes a BadParameterError that names
 * it, which the server answers with 400. The table of parameters also feeds the OpenAPI document.
 *
 * Decisions, written down because SPEC 5 leaves them open:
 * - Unknown parameters are ignored, so a page may send one query string to every map route and a
 *   proxy may add a cache-buster. Names are case-sensitive: `Limit` is an unknown parameter.
 * - A known parameter given twice (`?limit=1&limit=2`) is refused: which one wins is a guess.
 * - Integers are plain decimal digits: no sign, space, fraction, exponent or hex (Ajv's coercion
 *   would take `0x10` and ` 5`), so what the server uses is exactly what the client wrote.
 * - An empty `provider=` is refused rather than read as "all": a page that sends it has lost its
 *   selection, and showing everything would hide that.
 * - A bbox whose minLon is greater than its maxLon crosses the antimeridian (RFC 7946, section
 *   5.2) and is passed on as such: the stores keep both sides (see sqlite-map-filter.ts).
 */
import { BadParameterError } from '../errors.js';
import { isProviderName, PROVIDER_NAME_PATTERN } from '../event/validate-event.js';
import type { MapQuery } from '../store/store.js';

/** An integer parameter's range and default. */
export interface IntegerRange {
  min: number;
  max: number;
  default: number;
}

/** `limit`: SPEC 5 sets the default; the cap keeps one answer under about 40 MB. */
export const LIMIT_RANGE: IntegerRange = { min: 1, max: 100_000, default: 20_000 };

/** `minutes` of /api/tiles/range: up to a day of windows. */
export const MINUTES_RANGE: IntegerRange = { min: 1, max: 1440, default: 15 };

/** `maxAgeSec` of /api/positions/latest: SPEC 5's default of 600, up to a day. */
export const MAX_AGE_SEC_RANGE: IntegerRange = { min: 1, max: 86_400, default: 600 };

/** At most this many providers in one `provider` list. */
export const MAX_PROVIDERS = 32;

// A decimal number as JavaScript prints one (Leaflet's toBBoxString may print `1e-7`).
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

const DIGITS = /^\d{1,15}$/;

/** One query parameter, described for the OpenAPI document. */
export interface ParameterDescription {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

/** The parameters of the map routes, for the OpenAPI document (openapi.ts). */
export const MAP_PARAMETERS: Record<string, ParameterDescription> = {
  provider: {
    name: 'provider',
    description: `Comma-separated provider names (SPEC 1 form), at most ${MAX_PROVIDERS}; only their data is returned.`,
    schema: {
      type: 'string',
      pattern: `^${PROVIDER_NAME_PATTERN}(,${PROVIDER_NAME_PATTERN})*$`,
    },
  },
  bbox: {
    name: 'bbox',
    description:
      'minLon,minLat,maxLon,maxLat in degrees, minLat <= maxLat; minLon > maxLon is a box across the antimeridian (RFC 7946, section 5.2). Tiles are kept when their centre lies inside, edges included.',
    schema: { type: 'string', examples: ['-71.2,42.2,-70.9,42.5'] },
  },
  limit: integerDescription(
    'limit',
    'The most features returned; `truncated` says when more were left out.',
    LIMIT_RANGE,
  ),
  minutes: integerDescription(
    'minutes',
    "Windows that end within this many minutes of the stream's clock.",
    MINUTES_RANGE,
  ),
  maxAgeSec: integerDescription(
    'maxAgeSec',
    "Vehicles seen within this many seconds of the stream's clock.",
    MAX_AGE_SEC_RANGE,
  ),
};

function integerDescription(name: string, text: string, range: IntegerRange): ParameterDescription {
  return {
    name,
    description: text,
    schema: { type: 'integer', minimum: range.min, maximum: range.max, default: range.default },
  };
}

/**
 * Parses the query of `GET /api/tiles/latest`.
 *
 * @param query - the query object as Fastify parsed it (repeated names arrive as arrays)
 * @returns the store query
 * @throws BadParameterError naming the first bad parameter
 */
export function parseTileQuery(query: unknown): MapQuery {
  const params = asRecord(query);
  const mapQuery: MapQuery = { limit: LIMIT_RANGE.default };

  const provider = single(params, 'provider');
  if (provider !== undefined) mapQuery.providers = parseProviders(provider);
  const bbox = single(params, 'bbox');
  if (bbox !== undefined) mapQuery.bbox = parseBbox(bbox);
  const limit = single(params, 'limit');
  if (limit !== undefined) mapQuery.limit = parseIntegerParam('limit', limit, LIMIT_RANGE);
  return mapQuery;
}

/**
 * Parses the query of `GET /api/tiles/range`: the map filters and `minutes`.
 *
 * @param query - the query object as Fastify parsed it
 * @returns the store query with `minutes`
 * @throws BadParameterError naming the first bad parameter
 */
export function parseTileRangeQuery(query: unknown): MapQuery & { minutes: number } {
  const raw = single(asRecord(query), 'minutes');
  const minutes =
    raw === undefined ? MINUTES_RANGE.default : parseIntegerParam('minutes', raw, MINUTES_RANGE);
  return { ...parseTileQuery(query), minutes };
}

/**
 * Parses the query of `GET /api/positions/latest`: the map filters and `maxAgeSec`.
 *
 * @param query - the query object as Fastify parsed it
 * @returns the store query with `maxAgeSec`
 * @throws BadParameterError naming the first bad parameter
 */
export function parsePositionQuery(query: unknown): MapQuery & { maxAgeSec: number } {
  const raw = single(asRecord(query), 'maxAgeSec');
  const maxAgeSec =
    raw === undefined
      ? MAX_AGE_SEC_RANGE.default
      : parseIntegerParam('maxAgeSec', raw, MAX_AGE_SEC_RANGE);
  return { ...parseTileQuery(query), maxAgeSec };
}

/**
 * Parses `provider=a,b`: names of SPEC 1's form, duplicates dropped, order kept.
 *
 * @param raw - the parameter's value
 * @returns the provider names
 * @throws BadParameterError for an empty list, a bad name or too many names
 */
export function parseProviders(raw: string): string[] {
  const names = raw.split(',');
  if (names.length > MAX_PROVIDERS) {
    throw bad('provider', `provider lists at most ${MAX_PROVIDERS} names, got ${names.length}`);
  }
  for (const name of names) {
    if (!isProviderName(name)) {
      throw bad(
        'provider',
        `provider must be comma-separated names of lowercase letters, digits, '.', '_' or '-' (1 to 48, starting with a letter or digit); ${quote(name)} is not one`,
      );
    }
  }
  return [...new Set(names)];
}

/**
 * Parses `bbox=minLon,minLat,maxLon,maxLat` in degrees.
 *
 * @param raw - the parameter's value
 * @returns [minLon, minLat, maxLon, maxLat]
 * @throws BadParameterError unless there are four finite numbers in range with minLat <= maxLat
 */
export function parseBbox(raw: string): [number, number, number, number] {
  const parts = raw.split(',');
  if (parts.length !== 4 || !parts.every((part) => DECIMAL.test(part))) {
    throw bad('bbox', `bbox must be four numbers minLon,minLat,maxLon,maxLat; got ${quote(raw)}`);
  }
  const [minLon, minLat, maxLon, maxLat] = parts.map(Number) as [number, number, number, number];

  if (![minLon, minLat, maxLon, maxLat].every(Number.isFinite)) {
    throw bad('bbox', `bbox numbers must be finite; got ${quote(raw)}`);
  }
  const isLon = (lon: number): boolean => lon >= -180 && lon <= 180;
  const isLat = (lat: number): boolean => lat >= -90 && lat <= 90;
  if (!isLon(minLon) || !isLon(maxLon) || !isLat(minLat) || !isLat(maxLat)) {
    throw bad(
      'bbox',
      `bbox longitudes must lie in -180..180 and latitudes in -90..90; got ${quote(raw)}`,
    );
  }
  if (minLat > maxLat) {
    throw bad('bbox', `bbox minLat must not exceed maxLat; got ${quote(raw)}`);
  }
  // minLon > maxLon is a box across the antimeridian (RFC 7946, section 5.2), such as
  // 170,-20,-170,20 around Fiji; the stores keep both sides of it.
  return [minLon, minLat, maxLon, maxLat];
}

/**
 * Parses a whole number of decimal digits and checks its range.
 *
 * @param name - the parameter's name, for the message
 * @param raw - the parameter's value
 * @param range - inclusive bounds
 * @returns the number
 * @throws BadParameterError when the value is not plain digits or lies outside the range
 */
export function parseIntegerParam(name: string, raw: string, range: IntegerRange): number {
  const value = DIGITS.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw bad(
      name,
      `${name} must be a whole number from ${range.min} to ${range.max}; got ${quote(raw)}`,
    );
  }
  return value;
}

function asRecord(query: unknown): Record<string, unknown> {
  return typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {};
}

/** A parameter's one value, or undefined when absent; refuses a repeated or non-text value. */
function single(params: Record<string, unknown>, name: string): string | undefined {
  if (!Object.hasOwn(params, name)) return undefined;
  const value = params[name];
  if (Array.isArray(value))
    throw bad(name, `${name} must be given once, got ${value.length} values`);
  if (typeof value !== 'string') throw bad(name, `${name} must be text`);
  return value;
}

function bad(parameter: string, message: string): BadParameterError {
  return new BadParameterError(parameter, message);
}

/** The value as a JSON string, cut to 60 characters, so a message stays short and unambiguous. */
function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

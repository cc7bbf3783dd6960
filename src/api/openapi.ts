/**
 * The OpenAPI 3.1 description of the read-only API, served at `GET /api/openapi.json`. Written
 * by hand, small, and built from the same parameter table the routes parse with
 * (query-params.ts), so the two cannot drift apart; a test checks that every route is described.
 */
import { MAP_PARAMETERS, type ParameterDescription } from './query-params.js';

const ERROR_BODY = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', examples: ['bad_parameter', 'store_unavailable'] },
    message: { type: 'string' },
    parameter: {
      type: 'string',
      description: 'The query parameter at fault (bad_parameter only).',
    },
  },
};

const ISO_TIME = { type: 'string', format: 'date-time', examples: ['2025-10-04T10:25:00.000Z'] };
const NULLABLE_ISO_TIME = { type: ['string', 'null'], format: 'date-time' };

const TILE_COLLECTION = {
  type: 'object',
  description: 'A GeoJSON FeatureCollection (RFC 7946) of hexagon Polygons in [lon, lat] order.',
  required: ['type', 'windowStart', 'windowEnd', 'complete', 'truncated', 'features'],
  properties: {
    type: { const: 'FeatureCollection' },
    windowStart: NULLABLE_ISO_TIME,
    windowEnd: NULLABLE_ISO_TIME,
    complete: { type: 'boolean', description: 'windowEnd is at or before the watermark.' },
    truncated: { type: 'boolean', description: '`limit` cut the list.' },
    features: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { const: 'Feature' },
          geometry: { type: 'object', properties: { type: { const: 'Polygon' } } },
          properties: {
            type: 'object',
            properties: {
              cellId: { type: 'string', description: 'H3 cell id, lowercase hex.' },
              provider: { type: 'string' },
              windowStart: ISO_TIME,
              windowEnd: ISO_TIME,
              count: { type: 'integer', description: 'Unique reports.' },
              vehicles: { type: 'integer', description: 'Distinct vehicles.' },
              avgSpeedKmh: { type: ['number', 'null'] },
              speedSamples: { type: 'integer' },
            },
          },
        },
      },
    },
  },
};

const POSITION_COLLECTION = {
  type: 'object',
  description: 'A GeoJSON FeatureCollection (RFC 7946) of vehicle Points at [lon, lat].',
  required: ['type', 'clock', 'truncated', 'features'],
  properties: {
    type: { const: 'FeatureCollection' },
    clock: { ...NULLABLE_ISO_TIME, description: "The stream's clock that ageSec counts from." },
    truncated: { type: 'boolean' },
    features: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { const: 'Feature' },
          id: { type: 'string', description: '<provider>:<vehicleId>' },
          geometry: { type: 'object', properties: { type: { const: 'Point' } } },
          properties: {
            type: 'object',
            properties: {
              vehicleId: { type: 'string' },
              provider: { type: 'string' },
              ts: ISO_TIME,
              speedKmh: { type: ['number', 'null'] },
              bearing: { type: ['number', 'null'] },
              label: { type: ['string', 'null'] },
              routeId: { type: ['string', 'null'] },
              altitudeM: { type: ['number', 'null'] },
              onGround: { type: ['boolean', 'null'] },
              mode: { type: ['string', 'null'] },
              ageSec: { type: 'number' },
            },
          },
        },
      },
    },
  },
};

const COUNTS = { type: 'object', additionalProperties: { type: 'integer' } };

const STATS = {
  type: 'object',
  properties: {
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    late: { type: 'integer' },
    rejected: { ...COUNTS, description: 'By reason (SPEC 1).' },
    cleaned: { ...COUNTS, description: 'Repaired optional fields, by field name.' },
    watermark: NULLABLE_ISO_TIME,
    newestEvent: NULLABLE_ISO_TIME,
    lag: { type: ['number', 'null'], description: 'Seconds from newestEvent to the wall clock.' },
    lastBatchAt: NULLABLE_ISO_TIME,
    batches: { type: 'integer' },
  },
};

const HEALTH_PART = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, detail: { type: 'string' }, kind: { type: 'string' } },
};

const HEALTH = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    uptimeSec: { type: 'integer' },
    store: HEALTH_PART,
    log: { oneOf: [HEALTH_PART, { type: 'null' }] },
  },
};

const CONFIG = {
  type: 'object',
  properties: {
    refreshMs: { type: 'integer' },
    tileUrl: {
      type: ['string', 'null'],
      description: 'Leaflet tile URL template; null: no base map.',
    },
    attribution: { type: 'string' },
  },
};

function parameters(names: string[]): object[] {
  return names.map((name) => {
    const p = MAP_PARAMETERS[name] as ParameterDescription;
    return {
      name: p.name,
      in: 'query',
      required: false,
      description: p.description,
      schema: p.schema,
    };
  });
}

function jsonAnswer(description: string, schema: object, mediaType = 'application/json'): object {
  return { description, content: { [mediaType]: { schema } } };
}

function mapRoute(summary: string, names: string[], schema: object): object {
  return {
    get: {
      summary,
      parameters: parameters(names),
      responses: {
        200: jsonAnswer('The collection.', schema, 'application/geo+json'),
        400: jsonAnswer('A bad parameter, named in `parameter`.', ERROR_BODY),
        503: jsonAnswer('The store failed.', ERROR_BODY),
      },
    },
  };
}

function plainRoute(summary: string, schema: object, extra: Record<number, object> = {}): object {
  return { get: { summary, responses: { 200: jsonAnswer(summary, schema), ...extra } } };
}

/**
 * Builds the OpenAPI document of the API.
 *
 * @returns an OpenAPI 3.1 document, as a plain object
 */
export function buildOpenApiDocument(): Record<string, unknown> {
  const filters = ['provider', 'bbox', 'limit'];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mobility Heatmap API',
      version: '1',
      description:
        "Read-only. GeoJSON in [lon, lat] order; times ISO-8601 UTC. 'Latest' and 'last N minutes' follow the stream's clock (the newest event time), not the wall clock. Unknown query parameters are ignored; a known one given twice is a 400.",
    },
    paths: {
      '/api/tiles/latest': mapRoute(
        'Hexagons of the newest window with data.',
        filters,
        TILE_COLLECTION,
      ),
      '/api/tiles/range': mapRoute(
        'Hexagons merged over the windows that end within the last `minutes`.',
        [...filters, 'minutes'],
        TILE_COLLECTION,
      ),
      '/api/positions/latest': mapRoute(
        'Latest position of each vehicle seen within `maxAgeSec`.',
        [...filters, 'maxAgeSec'],
        POSITION_COLLECTION,
      ),
      '/api/stats': plainRoute("The engine's counters, watermark and lag.", STATS, {
        503: jsonAnswer('The store failed.', ERROR_BODY),
      }),
      '/api/health': plainRoute('Liveness and the health of the store and the log.', HEALTH, {
        503: jsonAnswer('The store or the log is unhealthy.', HEALTH),
      }),
      '/api/config': plainRoute("The page's settings; never a key.", CONFIG),
      '/api/openapi.json': plainRoute('This document.', { type: 'object' }),
    },
  };
}

/**
 * No query string makes the API answer 500 (SPEC 5): random query strings, built from the real
 * parameter names, unknown names and hostile values, get 200 or a 400 that names a parameter the
 * route knows.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../src/api/server.js';
import { ENGINE_ID, loadStore, standardData } from './api-fixtures.js';
import { MemoryStore } from './memory-store.js';

const ROUTES: Record<string, string[]> = {
  '/api/tiles/latest': ['provider', 'bbox', 'limit'],
  '/api/tiles/range': ['provider', 'bbox', 'limit', 'minutes'],
  '/api/positions/latest': ['provider', 'bbox', 'limit', 'maxAgeSec'],
  '/api/stats': [],
  '/api/health': [],
  '/api/config': [],
  '/api/openapi.json': [],
};

const KNOWN_NAMES = ['provider', 'bbox', 'limit', 'minutes', 'maxAgeSec'];

const nameArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom('', 'x', 'Limit', '__proto__', 'constructor', 'bbox[]') },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map(encodeURIComponent) },
);

const numberText = fc.oneof(
  fc.integer({ min: -200_000, max: 200_000 }).map(String),
  fc.double().map(String),
  fc.constantFrom(
    'NaN',
    'Infinity',
    '-0',
    '1e309',
    '0x10',
    '1e3',
    '',
    ' 1',
    '0001',
    '9'.repeat(30),
  ),
);

const valueArb = fc.oneof(
  numberText.map(encodeURIComponent),
  fc
    .array(numberText, { minLength: 0, maxLength: 6 })
    .map((parts) => encodeURIComponent(parts.join(','))),
  fc
    .array(fc.constantFrom('mbta', 'opensky', 'sim', 'gtfsrt.mbta', 'MBTA', '', '.x', 'a b'), {
      maxLength: 4,
    })
    .map((names) => encodeURIComponent(names.join(','))),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '+', '=', '==', '%2C%2C', '%FF%FE', ';'),
);

const pairArb = fc
  .tuple(nameArb, valueArb, fc.boolean())
  .map(([name, value, bare]) => (bare && value === '' ? name : `${name}=${value}`));

const queryArb = fc.array(pairArb, { maxLength: 6 }).map((pairs) => pairs.join('&'));

describe('every route, fuzzed with query strings', () => {
  const store = new MemoryStore();
  let app: FastifyInstance;

  beforeAll(async () => {
    await loadStore(store, standardData());
    app = await buildApiServer({ store, engineId: ENGINE_ID, logger: false });
  });

  afterAll(async () => {
    await app.close();
  });

  for (const [route, names] of Object.entries(ROUTES)) {
    it(`answers ${route} with 200 or a 400 naming one of its parameters`, async () => {
      await fc.assert(
        fc.asyncProperty(queryArb, async (query) => {
          const response = await app.inject(`${route}?${query}`);
          if (response.statusCode === 200) return;
          expect(response.statusCode, `${route}?${query}: ${response.body}`).toBe(400);
          const body = response.json<{ error: string; parameter: string; message: string }>();
          expect(body.error).toBe('bad_parameter');
          expect(names).toContain(body.parameter);
          expect(body.message).toContain(body.parameter);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('meets 400s on the map routes, so the fuzzing reaches the checks', async () => {
    const samples = fc.sample(queryArb, { numRuns: 200, seed: 7 });
    let refused = 0;
    for (const query of samples) {
      if ((await app.inject(`/api/tiles/range?${query}`)).statusCode === 400) refused += 1;
    }
    expect(refused).toBeGreaterThan(20);
    expect(refused).toBeLessThan(200);
  });
});

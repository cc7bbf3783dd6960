/**
 * The map routes of SPEC 5: hexagons of the newest window, hexagons merged over the last minutes,
 * and the latest vehicle positions. Each parses its query (query-params.ts), reads the store and
 * the engine's counters side by side, and sends GeoJSON text (geojson.ts, geojson-text.ts).
 * "Latest" and "last N minutes" follow the stream's clock, which the store keeps, so a replay of
 * an old recording shows its own time.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { readStore, type ApiContext } from './api-context.js';
import { positionPageToGeoJson, tilePageToGeoJson } from './geojson.js';
import { featureCollectionToJson } from './geojson-text.js';
import { parsePositionQuery, parseTileQuery, parseTileRangeQuery } from './query-params.js';

/** RFC 7946, section 12: the media type of GeoJSON. Browsers' fetch().json() reads it as JSON. */
export const GEOJSON_CONTENT_TYPE = 'application/geo+json; charset=utf-8';

/**
 * Registers `GET /api/tiles/latest`, `GET /api/tiles/range` and `GET /api/positions/latest`.
 *
 * @param app - the Fastify server
 * @param context - the store and settings the routes read
 */
export function registerMapRoutes(app: FastifyInstance, context: ApiContext): void {
  const { store, engineId } = context;
  const readWatermark = async (): Promise<number | null> => {
    const stats = await readStore('readStats', () => store.readStats(engineId));
    return stats?.watermarkMs ?? null;
  };

  app.get('/api/tiles/latest', async (request, reply) => {
    const query = parseTileQuery(request.query);
    const [page, watermarkMs] = await Promise.all([
      readStore('readLatestTiles', () => store.readLatestTiles(query)),
      readWatermark(),
    ]);
    return sendGeoJson(reply, featureCollectionToJson(tilePageToGeoJson(page, watermarkMs)));
  });

  app.get('/api/tiles/range', async (request, reply) => {
    const query = parseTileRangeQuery(request.query);
    const [page, watermarkMs] = await Promise.all([
      readStore('readTileRange', () => store.readTileRange(query)),
      readWatermark(),
    ]);
    return sendGeoJson(reply, featureCollectionToJson(tilePageToGeoJson(page, watermarkMs)));
  });

  app.get('/api/positions/latest', async (request, reply) => {
    const query = parsePositionQuery(request.query);
    const [page, stats] = await Promise.all([
      readStore('readPositions', () => store.readPositions(query)),
      readStore('readStats', () => store.readStats(engineId)),
    ]);
    // Ages count from the clock the store selected by (the newest position under the provider
    // filter), so no vehicle is older than maxAgeSec; the engine's clock stands in for a store
    // that does not say.
    const clockMs = page.clockMs !== undefined ? page.clockMs : (stats?.newestEventMs ?? null);
    const collection = positionPageToGeoJson(page, clockMs);
    return sendGeoJson(reply, featureCollectionToJson(collection));
  });
}

function sendGeoJson(reply: FastifyReply, text: string): FastifyReply {
  return reply.type(GEOJSON_CONTENT_TYPE).send(text);
}

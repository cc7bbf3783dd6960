import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import { ApiClient, type FetchLike } from '../../src/web/api-client.js';

const PAGE = 'https://example.org/heatmap/';

function fakeFetch(answer: { status?: number; body?: unknown; throws?: Error }) {
  const urls: string[] = [];
  const fetchFn: FetchLike = async (url) => {
    urls.push(url);
    if (answer.throws) throw answer.throws;
    const status = answer.status ?? 200;
    return {
      ok: status >= 200 && status < 300,
      status,
      json: async () => {
        if (answer.body === undefined) throw new SyntaxError('Unexpected end of JSON input');
        return answer.body;
      },
    };
  };
  return { urls, fetchFn };
}

const EMPTY = { type: 'FeatureCollection', features: [] };

describe('ApiClient', () => {
  it('asks relative to the page, so a page under a sub-path reaches its own API', async () => {
    const { urls, fetchFn } = fakeFetch({ body: EMPTY });
    const api = new ApiClient(PAGE, fetchFn);
    await api.latestTiles();
    await api.positions();
    expect(urls).toEqual([
      'https://example.org/heatmap/api/tiles/latest',
      'https://example.org/heatmap/api/positions/latest',
    ]);
  });

  it('sends the provider filter and the minutes of a range', async () => {
    const { urls, fetchFn } = fakeFetch({ body: EMPTY });
    const api = new ApiClient(PAGE, fetchFn);
    await api.latestTiles(['mbta', 'gtfsrt.mbta']);
    await api.rangeTiles(15, undefined);
    expect(urls).toEqual([
      'https://example.org/heatmap/api/tiles/latest?provider=mbta%2Cgtfsrt.mbta',
      'https://example.org/heatmap/api/tiles/range?minutes=15',
    ]);
  });

  it('fills in a missing or empty tile URL as null and a bad interval with the default', async () => {
    const { fetchFn } = fakeFetch({ body: { refreshMs: -1, tileUrl: '' } });
    expect(await new ApiClient(PAGE, fetchFn).config()).toEqual({ refreshMs: 5000, tileUrl: null });
  });

  it('keeps the configured interval, tile URL and attribution', async () => {
    const body = {
      refreshMs: 2000,
      tileUrl: 'https://t/{z}/{x}/{y}.png',
      attribution: '© someone',
    };
    const { fetchFn } = fakeFetch({ body });
    expect(await new ApiClient(PAGE, fetchFn).config()).toEqual(body);
  });

  it('turns a network failure into a retriable UpstreamError naming the route', async () => {
    const { fetchFn } = fakeFetch({ throws: new TypeError('Failed to fetch') });
    const error = await new ApiClient(PAGE, fetchFn).stats().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'HM_UPSTREAM', retriable: true });
    expect((error as Error).message).toContain('api/stats');
  });

  it('marks 5xx and 429 retriable and other error statuses not', async () => {
    for (const [status, retriable] of [
      [503, true],
      [429, true],
      [400, false],
      [404, false],
    ] as const) {
      const { fetchFn } = fakeFetch({ status, body: { message: 'x' } });
      const error = await new ApiClient(PAGE, fetchFn).positions().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'HM_UPSTREAM', retriable });
      expect((error as Error).message).toContain(String(status));
    }
  });

  it('refuses an answer that is not a FeatureCollection, or not JSON', async () => {
    const notGeoJson = fakeFetch({ body: { features: 'nope' } });
    await expect(new ApiClient(PAGE, notGeoJson.fetchFn).latestTiles()).rejects.toThrow(
      /FeatureCollection/,
    );
    const notJson = fakeFetch({});
    await expect(new ApiClient(PAGE, notJson.fetchFn).latestTiles()).rejects.toThrow(/not JSON/);
  });
});

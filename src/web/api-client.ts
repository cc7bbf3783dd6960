/**
 * The page's only way to the server: the read-only routes of SPEC 5, asked with URLs relative to
 * the page (`api/tiles/latest`, never `/api/...`), so that the page works when a proxy serves it
 * under a sub-path such as `https://example.org/heatmap/`. Every failure becomes an UpstreamError
 * that says which route failed and whether asking again may help.
 */
import { UpstreamError } from '../errors.js';
import type { PageConfig, StatsResponse, TileCollection, VehicleCollection } from './api-types.js';

/** The subset of `fetch` the client needs, so that tests can hand in their own. */
export type FetchLike = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string> },
) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}>;

function isFeatureCollection(body: unknown): boolean {
  const candidate = body as { type?: unknown; features?: unknown } | null;
  return candidate?.type === 'FeatureCollection' && Array.isArray(candidate.features);
}

/** Reads the routes of SPEC 5 relative to a base URL. */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly timeoutMs: number;

  /**
   * @param baseUrl - the page's own URL (`document.baseURI`); API paths are resolved against it
   * @param fetchFn - the fetch to use (the browser's by default)
   * @param timeoutMs - how long one request may take before it counts as failed
   */
  constructor(baseUrl: string, fetchFn?: FetchLike, timeoutMs = 10_000) {
    this.baseUrl = baseUrl;
    this.fetchFn = fetchFn ?? ((url, init) => fetch(url, init));
    this.timeoutMs = timeoutMs;
  }

  /**
   * The URL of a route with its query, resolved against the page.
   *
   * @param path - a relative path such as `api/stats`
   * @param query - parameters; undefined and empty values are left out
   * @returns an absolute URL
   */
  urlOf(path: string, query: Record<string, string | undefined> = {}): string {
    const url = new URL(path, this.baseUrl);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') url.searchParams.set(name, value);
    }
    return url.href;
  }

  /** @returns refresh interval and base map of `GET api/config` @throws UpstreamError */
  async config(): Promise<PageConfig> {
    const body = (await this.getJson('api/config')) as Partial<PageConfig>;
    const refreshMs =
      typeof body.refreshMs === 'number' && body.refreshMs > 0 ? body.refreshMs : 5_000;
    const tileUrl = typeof body.tileUrl === 'string' && body.tileUrl !== '' ? body.tileUrl : null;
    const attribution = typeof body.attribution === 'string' ? body.attribution : undefined;
    return { refreshMs, tileUrl, ...(attribution === undefined ? {} : { attribution }) };
  }

  /**
   * @param providers - providers to ask for; all when undefined
   * @returns the hexagons of the newest window with data (`GET api/tiles/latest`)
   * @throws UpstreamError when the route fails or answers something else than a FeatureCollection
   */
  async latestTiles(providers?: string[]): Promise<TileCollection> {
    return this.getCollection<TileCollection>('api/tiles/latest', {
      provider: providers?.join(','),
    });
  }

  /**
   * @param minutes - how far back from the stream's clock
   * @param providers - providers to ask for; all when undefined
   * @returns the hexagons merged over the last minutes (`GET api/tiles/range`)
   * @throws UpstreamError as latestTiles
   */
  async rangeTiles(minutes: number, providers?: string[]): Promise<TileCollection> {
    return this.getCollection<TileCollection>('api/tiles/range', {
      minutes: String(minutes),
      provider: providers?.join(','),
    });
  }

  /**
   * @returns every vehicle seen lately, of every provider (`GET api/positions/latest`)
   * @throws UpstreamError as latestTiles
   */
  async positions(): Promise<VehicleCollection> {
    return this.getCollection<VehicleCollection>('api/positions/latest');
  }

  /** @returns the engine's counters (`GET api/stats`) @throws UpstreamError */
  async stats(): Promise<StatsResponse> {
    return (await this.getJson('api/stats')) as StatsResponse;
  }

  private async getCollection<T>(
    path: string,
    query: Record<string, string | undefined> = {},
  ): Promise<T> {
    const body = await this.getJson(path, query);
    if (!isFeatureCollection(body)) {
      throw new UpstreamError(`${path} answered something else than a GeoJSON FeatureCollection`);
    }
    return body as T;
  }

  private async getJson(
    path: string,
    query: Record<string, string | undefined> = {},
  ): Promise<unknown> {
    const url = this.urlOf(path, query);
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await this.fetchFn(url, {
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { accept: 'application/json' },
      });
    } catch (cause) {
      throw new UpstreamError(`${path} is unreachable`, { cause, retriable: true });
    }

    // 429 and 5xx may pass (a restart, a busy store); other statuses need someone to act.
    if (!response.ok) {
      const retriable = response.status === 429 || response.status >= 500;
      throw new UpstreamError(`${path} answered HTTP ${response.status}`, { retriable });
    }
    try {
      return await response.json();
    } catch (cause) {
      throw new UpstreamError(`${path} answered a body that is not JSON`, {
        cause,
        retriable: true,
      });
    }
  }
}

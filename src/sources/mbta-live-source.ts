/**
 * The live MBTA fleet from the V3 API: polls `GET {base}/vehicles` for every vehicle, in and out
 * of revenue service (the API's default is `REVENUE` only, TECH-NOTES 5), follows JSON:API
 * `links.next` through every page, and appends one snapshot per poll, normalised by mbta-v3.ts.
 *
 * Rate limits (TECH-NOTES 5): 20 requests a minute without a key, 1,000 with one (`x-api-key`).
 * The next poll waits at least as long as the pages of this one cost at that rate; when
 * `x-ratelimit-remaining` reaches 0 the next request waits for `x-ratelimit-reset`. A page whose
 * `Last-Modified` is known is asked with `If-Modified-Since`: a 304 does not count against the key.
 */
import type { InputRecord } from '../event/position-event.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseJsonBody, type HttpClient, type HttpRequest } from './http-client.js';
import { endpointUrl, redactUrl } from './http-url.js';
import { createLiveSourceParts, validatePositive } from './live-source-parts.js';
import { normaliseMbtaVehicles } from './mbta-v3.js';
import { runPollLoop, type LiveSourceOptions, type PollOutcome } from './poll-loop.js';
import { decodeErrorBatch } from './record-batch.js';
import type { Sleep, Source } from './source.js';

/** The V3 API's root. */
export const MBTA_BASE_URL = 'https://api-v3.mbta.com';

/** What the V3 API allows per minute (TECH-NOTES 5). */
export const MBTA_REQUESTS_PER_MINUTE = { anonymous: 20, withKey: 1000 } as const;

/** Default poll intervals: 6 polls a minute leave room for pages and retries within 20 requests. */
export const MBTA_POLL_INTERVAL_MS = { anonymous: 10_000, withKey: 5_000 } as const;

/** How the MBTA fleet is polled. */
export interface MbtaLiveOptions extends LiveSourceOptions {
  /** The V3 API key (MBTA_API_KEY), sent as `x-api-key`; never logged. */
  apiKey?: string;
  /** The API's root (default https://api-v3.mbta.com). */
  baseUrl?: string;
  /** GTFS route types to keep (`filter[route_type]`): 0 light rail, 1 subway, 2 rail, 3 bus. */
  routeTypes?: number[];
  /** Vehicles per page (`page[limit]`); default none, the API's whole list in one answer. */
  pageLimit?: number;
  /** The key's limit, when MBTA raised it (default 20 without a key, 1000 with one). */
  requestsPerMinute?: number;
}

/** Pages followed in one poll at most: a `links.next` chain longer than this is a loop. */
const MAX_PAGES = 1_000;

/** The longest wait for `x-ratelimit-reset`: the budget is per minute, so more is a clock skew. */
const MAX_RESET_WAIT_MS = 60_000;

const AUTH_HINT =
  'check MBTA_API_KEY (keys are given at https://api-v3.mbta.com), or run without a key ' +
  '(20 requests a minute)';
const REQUEST_HINT = 'check the base URL, the route types and the page limit';

/**
 * Creates the polling source of the MBTA fleet.
 *
 * @param opts - see MbtaLiveOptions
 * @returns the source `mbta-live`
 * @throws UsageError when an option is out of range or the base URL is not http(s)
 */
export function createMbtaLiveSource(opts: MbtaLiveOptions = {}): Source {
  const hasKey = opts.apiKey !== undefined && opts.apiKey !== '';
  const firstPage = firstPageUrl(opts);
  const perMinute =
    opts.requestsPerMinute ??
    (hasKey ? MBTA_REQUESTS_PER_MINUTE.withKey : MBTA_REQUESTS_PER_MINUTE.anonymous);
  validatePositive("the MBTA source's requestsPerMinute", perMinute);
  const intervalMs =
    opts.intervalMs ?? (hasKey ? MBTA_POLL_INTERVAL_MS.withKey : MBTA_POLL_INTERVAL_MS.anonymous);
  validatePositive("the MBTA source's intervalMs", intervalMs);

  const { log, sleep, now, http } = createLiveSourceParts(opts, { source: 'mbta-live' });
  const headers: Record<string, string> = { accept: 'application/vnd.api+json' };
  if (hasKey) headers['x-api-key'] = opts.apiKey!;

  return {
    name: 'mbta-live',
    async run(sink, signal) {
      log.info({ url: redactUrl(firstPage), withKey: hasKey, perMinute }, 'mbta polling');
      const pager = new MbtaPager({ http, headers, log, sleep, now, perMinute });
      const poll = (pollSignal: AbortSignal) => pager.poll(firstPage, pollSignal);
      await runPollLoop(
        { log, intervalMs, maxPolls: opts.maxPolls, sleep, now, poll },
        sink,
        signal,
      );
    },
  };
}

/**
 * The URL of the first page: every vehicle, revenue or not, of the route types asked.
 *
 * @param opts - the base URL, route types and page limit
 * @returns the absolute URL
 * @throws UsageError when the base URL is not http(s) or an option is out of range
 */
export function firstPageUrl(opts: MbtaLiveOptions): string {
  const base = opts.baseUrl ?? MBTA_BASE_URL;
  const url = endpointUrl(base, '/vehicles', 'the MBTA base URL');

  url.searchParams.set('filter[revenue]', 'REVENUE,NON_REVENUE');
  if (opts.routeTypes !== undefined && opts.routeTypes.length > 0) {
    const bad = opts.routeTypes.find(
      (type) => !(Number.isInteger(type) && type >= 0 && type <= 12),
    );
    if (bad !== undefined)
      throw new UsageError(`an MBTA route type is a GTFS route_type (0 to 12), got ${bad}`);
    url.searchParams.set('filter[route_type]', opts.routeTypes.join(','));
  }
  if (opts.pageLimit !== undefined) {
    validatePositive("the MBTA source's pageLimit", opts.pageLimit);
    url.searchParams.set('page[limit]', String(opts.pageLimit));
  }
  return url.toString();
}

/** A page answered before, kept for `If-Modified-Since`. */
interface KnownPage {
  lastModified: string;
  body: unknown;
}

/** What the pager needs: the HTTP calls, the headers to send, and the rate it may ask at. */
interface PagerSettings {
  http: HttpClient;
  headers: Record<string, string>;
  log: Logger;
  sleep: Sleep;
  now: () => number;
  perMinute: number;
}

/** Fetches the pages of one poll, minding the rate limit, and remembers pages for a 304. */
class MbtaPager {
  private known = new Map<string, KnownPage>();
  private resetAtMs: number | null = null;

  constructor(private readonly s: PagerSettings) {}

  async poll(firstPage: string, signal: AbortSignal): Promise<PollOutcome> {
    const records: InputRecord[] = [];
    const seen = new Set<string>();
    const known = new Map<string, KnownPage>();
    const origin = new URL(firstPage).origin;
    const totals = { pages: 0, bytes: 0, ms: 0, notModified: 0 };

    let url: string | null = firstPage;
    while (url !== null) {
      // Stage 1: fetch the page, after the budget refills when it ran out.
      await this.waitForBudget(signal);
      const reply = await this.s.http.request(url, this.requestFor(url), signal);
      this.noteBudget(reply.headers);
      seen.add(url);
      totals.pages += 1;
      totals.bytes += reply.body.length;
      totals.ms += reply.ms;

      // Stage 2: read it (a 304 is the page as last answered), normalise its vehicles.
      const body = this.bodyOf(url, reply.status, reply.headers, reply.body, known);
      if (reply.status === 304) totals.notModified += 1;
      if (body === undefined) {
        records.push(...decodeErrorBatch(redactUrl(url), `${redactUrl(url)}: not JSON`).records);
        break;
      }
      records.push(...normaliseMbtaVehicles(body));

      // Stage 3: the next page, on the same host only: the key must not travel elsewhere.
      url = this.nextPage(body, url, origin, seen, totals.pages);
    }

    this.known = known;
    // Each page is one request: the next poll starts when this one's pages are paid for.
    const minWaitMs = (totals.pages * 60_000) / this.s.perMinute;
    return { records, details: { url: redactUrl(firstPage), ...totals }, minWaitMs };
  }

  private requestFor(url: string): HttpRequest {
    const lastModified = this.known.get(url)?.lastModified;
    return {
      what: 'MBTA V3 /vehicles',
      headers:
        lastModified === undefined
          ? this.s.headers
          : { ...this.s.headers, 'if-modified-since': lastModified },
      authHint: AUTH_HINT,
      requestHint: REQUEST_HINT,
    };
  }

  /** The parsed body; undefined when it is not JSON (or a 304 of a page never seen). */
  private bodyOf(
    url: string,
    status: number,
    headers: Headers,
    bytes: Uint8Array,
    known: Map<string, KnownPage>,
  ): unknown {
    const before = this.known.get(url);
    if (status === 304) {
      if (before !== undefined) known.set(url, before);
      return before?.body;
    }
    const body = parseJsonBody(bytes);
    if (body === undefined) return undefined;
    const lastModified = headers.get('last-modified');
    if (lastModified !== null) known.set(url, { lastModified, body });
    return body;
  }

  private nextPage(
    body: unknown,
    url: string,
    origin: string,
    seen: Set<string>,
    pages: number,
  ): string | null {
    const next = nextLinkOf(body);
    if (next === null) return null;
    let resolved: URL;
    try {
      resolved = new URL(next, url);
    } catch {
      this.s.log.warn({ url: redactUrl(url) }, 'links.next does not parse; poll ends here');
      return null;
    }
    if (resolved.origin !== origin) {
      this.s.log.warn(
        { next: redactUrl(resolved.href) },
        'links.next leaves the API host; not followed',
      );
      return null;
    }
    if (seen.has(resolved.href) || pages >= MAX_PAGES) {
      this.s.log.warn(
        { next: redactUrl(resolved.href), pages },
        'links.next loops; poll ends here',
      );
      return null;
    }
    return resolved.href;
  }

  private noteBudget(headers: Headers): void {
    const remaining = headers.get('x-ratelimit-remaining');
    const reset = headers.get('x-ratelimit-reset');
    const exhausted = remaining !== null && Number(remaining) <= 0 && reset !== null;
    this.resetAtMs = exhausted && Number.isFinite(Number(reset)) ? Number(reset) * 1000 : null;
  }

  private async waitForBudget(signal: AbortSignal): Promise<void> {
    if (this.resetAtMs === null) return;
    const waitMs = Math.min(MAX_RESET_WAIT_MS, this.resetAtMs - this.s.now());
    this.resetAtMs = null;
    if (waitMs <= 0) return;
    this.s.log.warn({ waitMs }, 'rate limit used up; waiting for x-ratelimit-reset');
    await this.s.sleep(waitMs, signal);
  }
}

/** The `links.next` of a JSON:API document, when it has one (JSON:API 1.0, "Pagination"). */
function nextLinkOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !('links' in body)) return null;
  const links = body.links;
  if (typeof links !== 'object' || links === null || !('next' in links)) return null;
  const next = links.next;
  if (typeof next === 'string' && next !== '') return next;
  // A link may also be an object with an `href` (JSON:API 1.1, "Links").
  if (typeof next === 'object' && next !== null && 'href' in next) {
    return typeof next.href === 'string' && next.href !== '' ? next.href : null;
  }
  return null;
}

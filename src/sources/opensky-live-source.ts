/**
 * Live aircraft from the OpenSky Network: polls `GET {base}/states/all`, in a bounding box or
 * worldwide, anonymous or with an API client's bearer token (opensky-token.ts), and appends one
 * snapshot per poll, normalised by opensky-states.ts.
 *
 * Pacing follows OpenSky's credits (TECH-NOTES 6, from `docs/free/rest.rst`): 400 a day
 * anonymous, 4,000 authenticated; a call costs 1 to 4 credits by the box's area. The default
 * interval spends the day's credits evenly, and never polls faster than the data's resolution
 * (10 s anonymous, 5 s authenticated). A 429 waits `X-Rate-Limit-Retry-After-Seconds`.
 */
import { UpstreamAuthError, UsageError } from '../errors.js';
import { parseJsonBody, type HttpClient, type HttpReply } from './http-client.js';
import { endpointUrl, redactUrl } from './http-url.js';
import { createLiveSourceParts, validatePositive } from './live-source-parts.js';
import { normaliseOpenSkyStates, openSkyCaptureMs } from './opensky-states.js';
import {
  createOpenSkyTokens,
  type OpenSkyCredentials,
  type OpenSkyTokens,
} from './opensky-token.js';
import { runPollLoop, type LiveSourceOptions, type PollOutcome } from './poll-loop.js';
import { decodeErrorBatch } from './record-batch.js';
import type { Source } from './source.js';

/** The REST API's root. */
export const OPENSKY_BASE_URL = 'https://opensky-network.org/api';

/** Credits a day for `/states/*` (TECH-NOTES 6; an active feeder gets 8000). */
export const OPENSKY_DAILY_CREDITS = { anonymous: 400, authenticated: 4000 } as const;

/** The time resolution of the states: polling faster gives the same states again. */
export const OPENSKY_RESOLUTION_MS = { anonymous: 10_000, authenticated: 5_000 } as const;

/** A bounding box in WGS-84 degrees; OpenSky needs all four parameters. */
export interface OpenSkyBbox {
  lamin: number;
  lomin: number;
  lamax: number;
  lomax: number;
}

/** How OpenSky is polled. */
export interface OpenSkyLiveOptions extends LiveSourceOptions {
  /** An API client; anonymous without it. */
  credentials?: OpenSkyCredentials;
  /** Only aircraft in this box (default the whole world, 4 credits a call). */
  bbox?: OpenSkyBbox;
  /** The API's root (default https://opensky-network.org/api). */
  baseUrl?: string;
  /** The OAuth2 token URL (default OPENSKY_TOKEN_URL). */
  tokenUrl?: string;
  /** Renew tokens this long before they expire (default 60000). */
  tokenRefreshMarginMs?: number;
  /** The account's credits a day, for the default interval (400 anonymous, 4000 with a client). */
  dailyCredits?: number;
}

const REQUEST_HINT = 'check the base URL and the bounding box (lamin < lamax, lomin < lomax)';
const AUTH_HINT = 'check the OpenSky client id and client secret';

/**
 * The credits one `/states/all` call costs: by the box's area in square degrees, 1 up to 25,
 * 2 up to 100, 3 up to 400, else (or worldwide) 4.
 *
 * @param bbox - the box, or undefined for the whole world
 * @returns 1 to 4
 */
export function openSkyCreditCost(bbox?: OpenSkyBbox): number {
  if (bbox === undefined) return 4;
  const area = (bbox.lamax - bbox.lamin) * (bbox.lomax - bbox.lomin);
  if (area <= 25) return 1;
  if (area <= 100) return 2;
  if (area <= 400) return 3;
  return 4;
}

/**
 * The interval that spends a day's credits evenly, never below the data's resolution. A Boston
 * box of 2 by 3 degrees polls every 216 s anonymous and every 21.6 s authenticated.
 *
 * @param cost - credits per call
 * @param dailyCredits - credits a day
 * @param authenticated - whether calls carry a token (5 s resolution instead of 10 s)
 * @returns milliseconds between two polls
 */
export function openSkyIntervalMs(
  cost: number,
  dailyCredits: number,
  authenticated: boolean,
): number {
  const resolutionMs = authenticated
    ? OPENSKY_RESOLUTION_MS.authenticated
    : OPENSKY_RESOLUTION_MS.anonymous;
  return Math.max(resolutionMs, Math.ceil((86_400_000 * cost) / dailyCredits));
}

/**
 * Creates the polling source of OpenSky's state vectors.
 *
 * @param opts - see OpenSkyLiveOptions
 * @returns the source `opensky-live`
 * @throws UsageError when the box, the base URL or an option is out of range
 */
export function createOpenSkyLiveSource(opts: OpenSkyLiveOptions = {}): Source {
  if (opts.bbox !== undefined) validateBbox(opts.bbox);
  const url = statesUrl(opts.baseUrl ?? OPENSKY_BASE_URL, opts.bbox);
  const authenticated = opts.credentials !== undefined;
  const dailyCredits =
    opts.dailyCredits ??
    (authenticated ? OPENSKY_DAILY_CREDITS.authenticated : OPENSKY_DAILY_CREDITS.anonymous);
  validatePositive("the OpenSky source's dailyCredits", dailyCredits);
  const cost = openSkyCreditCost(opts.bbox);
  const intervalMs = opts.intervalMs ?? openSkyIntervalMs(cost, dailyCredits, authenticated);
  validatePositive("the OpenSky source's intervalMs", intervalMs);

  const { log, sleep, now, http } = createLiveSourceParts(opts, { source: 'opensky-live' });
  const tokens =
    opts.credentials === undefined
      ? null
      : createOpenSkyTokens(opts.credentials, http, {
          ...(opts.tokenUrl === undefined ? {} : { tokenUrl: opts.tokenUrl }),
          ...(opts.tokenRefreshMarginMs === undefined
            ? {}
            : { refreshMarginMs: opts.tokenRefreshMarginMs }),
          now,
          logger: log,
        });

  return {
    name: 'opensky-live',
    async run(sink, signal) {
      log.info(
        { url: redactUrl(url), authenticated, creditsPerPoll: cost, dailyCredits },
        'opensky polling',
      );
      const poll = (pollSignal: AbortSignal) => pollStates(http, tokens, url, pollSignal);
      await runPollLoop(
        { log, intervalMs, maxPolls: opts.maxPolls, sleep, now, poll },
        sink,
        signal,
      );
    },
  };
}

/** One poll; a 401 drops the token and tries once more with a fresh one (TECH-NOTES 6). */
async function pollStates(
  http: HttpClient,
  tokens: OpenSkyTokens | null,
  url: string,
  signal: AbortSignal,
): Promise<PollOutcome> {
  const get = async () => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (tokens !== null) headers.authorization = `Bearer ${await tokens.token(signal)}`;
    const req = { what: 'OpenSky /states/all', headers, authHint: AUTH_HINT };
    return http.request(url, { ...req, requestHint: REQUEST_HINT }, signal);
  };

  let reply: HttpReply;
  try {
    reply = await get();
  } catch (err) {
    if (!(tokens !== null && err instanceof UpstreamAuthError && err.status === 401)) throw err;
    tokens.invalidate();
    reply = await get();
  }

  const details = {
    url: redactUrl(url),
    bytes: reply.body.length,
    ms: reply.ms,
    creditsLeft: reply.headers.get('x-rate-limit-remaining') ?? undefined,
  };
  const body = parseJsonBody(reply.body);
  if (body === undefined) {
    const batch = decodeErrorBatch(redactUrl(url), `${redactUrl(url)}: not JSON`);
    return { records: batch.records, details };
  }
  const captureMs = openSkyCaptureMs(body);
  return {
    records: normaliseOpenSkyStates(body),
    details: {
      ...details,
      time: captureMs === null ? undefined : new Date(captureMs).toISOString(),
    },
  };
}

/** The `/states/all` URL with the box's four parameters, as OpenSky requires all of them. */
function statesUrl(base: string, bbox: OpenSkyBbox | undefined): string {
  const url = endpointUrl(base, '/states/all', 'the OpenSky base URL');
  if (bbox !== undefined) {
    for (const name of ['lamin', 'lomin', 'lamax', 'lomax'] as const) {
      url.searchParams.set(name, String(bbox[name]));
    }
  }
  return url.toString();
}

/** Throws a UsageError for a box OpenSky cannot take: out of range, empty, or flipped. */
function validateBbox(bbox: OpenSkyBbox): void {
  const { lamin, lomin, lamax, lomax } = bbox;
  const inRange = (v: number, limit: number): boolean => Number.isFinite(v) && Math.abs(v) <= limit;
  if (!(inRange(lamin, 90) && inRange(lamax, 90) && lamin < lamax)) {
    throw new UsageError(
      `an OpenSky box needs -90 <= lamin < lamax <= 90, got lamin ${lamin}, lamax ${lamax}`,
    );
  }
  // Limitation: OpenSky's box cannot cross the antimeridian; such an area needs two sources.
  if (!(inRange(lomin, 180) && inRange(lomax, 180) && lomin < lomax)) {
    throw new UsageError(
      `an OpenSky box needs -180 <= lomin < lomax <= 180, got lomin ${lomin}, lomax ${lomax}`,
    );
  }
}

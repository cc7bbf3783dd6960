/**
 * The HTTP calls of the live sources: native fetch under a timeout and the run's signal, retried
 * (p-retry) with exponential backoff and jitter on network errors, timeouts and 5xx, waiting what
 * the server asks on 429, and a coded error with advice on any other refusal. Each call is logged
 * with its URL (query-string secrets redacted), status, bytes and time; request headers never
 * are, since they carry the API keys and tokens (SPEC 6).
 */
import pRetry, { AbortError } from 'p-retry';

import {
  HeatmapError,
  UpstreamAuthError,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamRequestError,
  UsageError,
} from '../errors.js';
import { loggerFor, type Logger } from '../logger.js';
import { sleepUnlessAborted, type Sleep } from './source.js';

/** How the HTTP calls of a live source behave; every field has a default fit for production. */
export interface HttpClientOptions {
  /** Milliseconds one attempt may take, answer and body (default 20000; a stream: its answer). */
  timeoutMs?: number;
  /** Retries of one call after network errors, timeouts and 5xx (default 5); 429 waits are free. */
  retries?: number;
  /** The first backoff wait in ms (default 1000), doubled after each failure. */
  minBackoffMs?: number;
  /** The longest backoff wait in ms (default 30000). */
  maxBackoffMs?: number;
  /** How to wait: backoff and 429 waits go through it (default a timer an abort cuts short). */
  sleep?: Sleep;
  /** The wall clock in epoch ms, for HTTP dates in Retry-After (default Date.now). */
  now?: () => number;
  /** Numbers in [0, 1) for the jitter (default Math.random). */
  random?: () => number;
  /** Where calls and retries are logged (default the `sources` logger). */
  logger?: Logger;
}

/** One call: what it is for (in messages), and what to send. */
export interface HttpRequest {
  /** Names the API in logs and errors, e.g. `MBTA V3 /vehicles`. */
  what: string;
  /** GET unless told. */
  method?: 'GET' | 'POST';
  /** Request headers; never logged, they may hold a key or a token. */
  headers?: Record<string, string>;
  /** A request body (a form for OAuth2); never logged. */
  body?: string | URLSearchParams;
  /** What the user should do when the API refuses the credentials (401, 403). */
  authHint?: string;
  /** What the user should do when the API refuses the request (another 4xx). */
  requestHint?: string;
}

/** A successful answer (2xx, or 304 Not Modified) with its whole body. */
export interface HttpReply {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** Milliseconds from the request to the end of the body, retries not included. */
  ms: number;
}

/** A successful answer whose body is left to read as it arrives (server-sent events). */
export interface HttpStream {
  response: Response;
  /** Ends the stream and frees what it holds; safe to call more than once. */
  close(): void;
}

/** The HTTP calls of one source. */
export interface HttpClient {
  /**
   * Fetches `url` and reads its body, retrying as the module's doc says.
   *
   * @param url - the absolute URL
   * @param req - what the call is for and what to send
   * @param signal - the run's signal: stops the call and its waits at once
   * @returns the answer, status 2xx or 304
   * @throws UpstreamAuthError on 401 or 403; UpstreamRequestError on another 4xx;
   *   UpstreamError (retriable) when the retries are used up; UpstreamRateLimitError when a 429
   *   comes after them; the abort reason when `signal` aborts
   */
  request(url: string, req: HttpRequest, signal: AbortSignal): Promise<HttpReply>;
  /**
   * Opens `url` as a stream: retried like `request` until the server answers 2xx; the timeout
   * covers the answer only, not the body, which may last for hours.
   *
   * @param url - the absolute URL
   * @param req - what the call is for and what to send
   * @param signal - the run's signal: also ends the stream
   * @returns the open stream
   * @throws as `request`
   */
  openStream(url: string, req: HttpRequest, signal: AbortSignal): Promise<HttpStream>;
}

/** A header given on the command line as `Name: value`. */
export interface HttpHeader {
  name: string;
  /** Often an agency's key: never logged, never echoed in an error. */
  value: string;
}

const DEFAULT_TIMEOUT_MS = 20_000;
const DEFAULT_RETRIES = 5;
const DEFAULT_MIN_BACKOFF_MS = 1_000;
const DEFAULT_MAX_BACKOFF_MS = 30_000;

/** The wait after a 429 that does not say how long: a minute, the window of per-minute limits. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/** The longest 429 wait honoured: a longer one (or a broken header) waits a day, then retries. */
export const MAX_RATE_LIMIT_WAIT_MS = 86_400_000;

/** Query parameters whose values are secrets, e.g. `api_key`, `token`, `client_secret`, `sig`. */
const SECRET_PARAMETER = /key|token|secret|passw|auth|signature|credential|^sig$|^code$/i;

/** A header name: an RFC 9110 token (section 5.6.2). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Writes a URL for logs and messages: the values of query parameters that look like secrets
 * become `redacted`, and user and password are dropped.
 *
 * @param url - an absolute URL
 * @returns the URL without its secrets; `(a URL that does not parse)` when it is none
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(a URL that does not parse)';
  }
  parsed.username = '';
  parsed.password = '';
  const secrets = [...parsed.searchParams.keys()].filter((name) => SECRET_PARAMETER.test(name));
  for (const name of new Set(secrets)) parsed.searchParams.set(name, 'redacted');
  return parsed.toString();
}

/**
 * Reads how long a 429 answer asks to wait: `Retry-After` in seconds or as an HTTP date
 * (RFC 9110, section 10.2.3), OpenSky's `X-Rate-Limit-Retry-After-Seconds`, or MBTA's
 * `x-ratelimit-reset`, the epoch second when its per-minute budget refills (TECH-NOTES 5, 6).
 *
 * @param headers - the answer's headers
 * @param nowMs - the wall clock in epoch ms
 * @returns milliseconds, at least 0 and at most MAX_RATE_LIMIT_WAIT_MS; null when no header says
 */
export function retryAfterMs(headers: Headers, nowMs: number): number | null {
  const clamp = (ms: number): number => Math.min(MAX_RATE_LIMIT_WAIT_MS, Math.max(0, ms));
  const seconds = (name: string): number | null => {
    const text = headers.get(name)?.trim();
    return text !== undefined && /^\d+(\.\d+)?$/.test(text) ? Number(text) : null;
  };

  const openSky = seconds('x-rate-limit-retry-after-seconds');
  if (openSky !== null) return clamp(openSky * 1000);
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter !== undefined && retryAfter !== '') {
    if (/^\d+$/.test(retryAfter)) return clamp(Number(retryAfter) * 1000);
    const dateMs = Date.parse(retryAfter);
    if (Number.isFinite(dateMs)) return clamp(dateMs - nowMs);
  }
  const reset = seconds('x-ratelimit-reset');
  return reset === null ? null : clamp(reset * 1000 - nowMs);
}

/**
 * The wait before retry number `attempt`: exponential, capped, with "equal jitter" (half of the
 * wait fixed, half random), so that sources restarted together do not retry in step.
 *
 * @param attempt - 0 for the first retry
 * @param minMs - the first wait before jitter
 * @param maxMs - the cap before jitter
 * @param random - a number in [0, 1)
 * @returns milliseconds
 */
export function backoffDelayMs(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: number,
): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (base / 2) * random);
}

/**
 * Parses a header given as `Name: value` (curl's `--header` shape).
 *
 * @param text - the option's text
 * @returns the name and the value, both trimmed
 * @throws UsageError when there is no name, no `:`, or no value; the message never holds the
 *   value, which is often a key
 */
export function parseHeaderOption(text: string): HttpHeader {
  const colon = text.indexOf(':');
  const name = colon < 0 ? '' : text.slice(0, colon).trim();
  if (!HEADER_NAME.test(name)) {
    const missing = colon < 0 ? "':'" : 'a valid name';
    throw new UsageError(
      `a header must look like 'Name: value' (a name of letters, digits, -); it lacks ${missing}`,
    );
  }
  const value = text.slice(colon + 1).trim();
  if (value === '' || /[\r\n\0]/.test(value)) {
    throw new UsageError(`the header ${name} needs a value on one line after ':'`);
  }
  return { name, value };
}

/**
 * Picks the HTTP settings out of a source's options, so that nothing else (a key) travels on.
 *
 * @param opts - a source's options
 * @returns the HTTP settings alone
 */
export function httpOptionsOf(opts: HttpClientOptions): HttpClientOptions {
  const { timeoutMs, retries, minBackoffMs, maxBackoffMs, sleep, now, random, logger } = opts;
  return { timeoutMs, retries, minBackoffMs, maxBackoffMs, sleep, now, random, logger };
}

/**
 * Creates the HTTP calls of one source.
 *
 * @param opts - see HttpClientOptions
 * @returns the client
 */
export function createHttpClient(opts: HttpClientOptions = {}): HttpClient {
  const s = {
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retries: opts.retries ?? DEFAULT_RETRIES,
    minBackoffMs: opts.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS,
    maxBackoffMs: opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
    sleep: opts.sleep ?? sleepUnlessAborted,
    now: opts.now ?? Date.now,
    random: opts.random ?? Math.random,
    log: opts.logger ?? loggerFor('sources'),
  };

  /** p-retry runs the attempts; its own waits are off, so that every wait goes through `sleep`. */
  function withRetries<T>(url: string, signal: AbortSignal, attempt: () => Promise<T>): Promise<T> {
    return pRetry(attempt, {
      retries: s.retries,
      minTimeout: 0,
      signal,
      shouldConsumeRetry: ({ error }) => !(error instanceof UpstreamRateLimitError),
      shouldRetry: ({ error }) => error instanceof HeatmapError && error.retriable,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft, retriesConsumed }) => {
        if (!(error instanceof HeatmapError && error.retriable) || retriesLeft <= 0) return;
        const safeUrl = redactUrl(url);
        if (error instanceof UpstreamRateLimitError) {
          s.log.warn({ url: safeUrl, status: 429, waitMs: error.retryAfterMs }, 'rate limited');
          await s.sleep(error.retryAfterMs, signal);
          return;
        }
        const waitMs = backoffDelayMs(retriesConsumed, s.minBackoffMs, s.maxBackoffMs, s.random());
        s.log.warn(
          { url: safeUrl, attempt: attemptNumber, waitMs, reason: error.message },
          'request failed, retrying',
        );
        await s.sleep(waitMs, signal);
      },
    });
  }

  /** Fetches once; a failure of the network (or the timeout) becomes a retriable error. */
  async function fetchOnce(
    url: string,
    req: HttpRequest,
    signal: AbortSignal,
    attemptSignal: AbortSignal,
  ): Promise<Response> {
    try {
      return await fetch(url, {
        method: req.method ?? 'GET',
        headers: req.headers ?? {},
        ...(req.body === undefined ? {} : { body: req.body }),
        signal: attemptSignal,
      });
    } catch (err) {
      throw failedCall(url, req, signal, err, s.timeoutMs);
    }
  }

  return {
    request(url, req, signal) {
      return withRetries(url, signal, async () => {
        const started = performance.now();
        const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(s.timeoutMs)]);
        const response = await fetchOnce(url, req, signal, attemptSignal);
        let body: Uint8Array;
        try {
          body = new Uint8Array(await response.arrayBuffer());
        } catch (err) {
          throw failedCall(url, req, signal, err, s.timeoutMs);
        }
        const ms = Math.round(performance.now() - started);
        const { status } = response;
        s.log.debug({ url: redactUrl(url), status, bytes: body.length, ms }, 'fetched');
        checkStatus(url, req, response, s.now());
        return { status, headers: response.headers, body, ms };
      });
    },

    openStream(url, req, signal) {
      return withRetries(url, signal, async () => {
        const controller = new AbortController();
        const onAbort = (): void => controller.abort(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        const close = (): void => {
          signal.removeEventListener('abort', onAbort);
          controller.abort();
        };
        const timer = setTimeout(
          () => controller.abort(new DOMException('timed out', 'TimeoutError')),
          s.timeoutMs,
        );

        try {
          const response = await fetchOnce(url, req, signal, controller.signal);
          s.log.debug({ url: redactUrl(url), status: response.status }, 'stream answered');
          if (!response.ok) await response.arrayBuffer().catch(() => undefined);
          checkStatus(url, req, response, s.now());
          return { response, close };
        } catch (err) {
          close();
          throw err;
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}

/** The error of a call that got no answer: the abort passes as it is (p-retry stops at once). */
function failedCall(
  url: string,
  req: HttpRequest,
  signal: AbortSignal,
  err: unknown,
  timeoutMs: number,
): Error {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    return new AbortError(reason instanceof Error ? reason : new Error('aborted'));
  }
  const timedOut = err instanceof DOMException && err.name === 'TimeoutError';
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
  const why = timedOut
    ? `no answer within ${timeoutMs} ms`
    : `${err instanceof Error ? err.message : String(err)}${cause === '' ? '' : `: ${cause}`}`;
  return new UpstreamError(`${req.what}: ${redactUrl(url)} failed (${why})`, {
    cause: err,
    retriable: true,
  });
}

/** Throws the coded error of an answer that is not 2xx or 304. */
function checkStatus(url: string, req: HttpRequest, response: Response, nowMs: number): void {
  const { status } = response;
  if ((status >= 200 && status < 300) || status === 304) return;

  const statusText = response.statusText === '' ? '' : ` ${response.statusText}`;
  const answered = `${req.what} answered ${status}${statusText} for ${redactUrl(url)}`;
  if (status === 429) {
    const waitMs = retryAfterMs(response.headers, nowMs) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    throw new UpstreamRateLimitError(`${answered}; waiting ${Math.ceil(waitMs / 1000)} s`, {
      retryAfterMs: waitMs,
    });
  }
  if (status >= 500 || status === 408) {
    throw new UpstreamError(answered, { retriable: true });
  }
  if (status === 401 || status === 403) {
    throw new UpstreamAuthError(`${answered}: ${req.authHint ?? 'check the credentials'}`, {
      status,
    });
  }
  throw new UpstreamRequestError(
    `${answered}: ${req.requestHint ?? 'check the URL and its parameters'}`,
    { status },
  );
}

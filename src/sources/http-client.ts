/**
 * The HTTP calls of the live sources: native fetch under a timeout and the run's signal, retried
 * (p-retry) with exponential backoff and jitter on network errors, timeouts and 5xx, waiting what
 * the server asks on 429 (http-wait.ts), and a coded error with advice on any other refusal. Each
 * call is logged with its URL (query-string secrets redacted, http-url.ts), status, bytes and
 * time; request headers never are, since they carry the API keys and tokens (SPEC 6).
 */
import pRetry, { AbortError } from 'p-retry';

import {
  HeatmapError,
  UpstreamAuthError,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamRequestError,
} from '../errors.js';
import { loggerFor, type Logger } from '../logger.js';
import { redactUrl } from './http-url.js';
import {
  backoffDelayMs,
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_MIN_BACKOFF_MS,
  DEFAULT_RATE_LIMIT_WAIT_MS,
  retryAfterMs,
} from './http-wait.js';
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
  /** The answer, status 2xx; its body is read by the caller. */
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

const DEFAULT_TIMEOUT_MS = 20_000;
const DEFAULT_RETRIES = 5;

const utf8 = new TextDecoder();

/**
 * Parses the body of an answer as JSON, read as UTF-8 (RFC 8259, section 8.1).
 *
 * @param body - the answer's bytes
 * @returns the parsed value; undefined when the body is not JSON
 */
export function parseJsonBody(body: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(body));
  } catch {
    return undefined;
  }
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
    // Limitation: fetch follows redirects, and on one to another origin it drops Authorization
    // (Fetch standard, "HTTP-redirect fetch") but still sends x-api-key or a --header key there.
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
        // Limitation: the body is read whole, with no cap on its size.
        let body: Uint8Array;
        try {
          body = new Uint8Array(await response.arrayBuffer());
        } catch (err) {
          throw failedCall(url, req, signal, err, s.timeoutMs);
        }
        const ms = Math.round(performance.now() - started);
        const { status } = response;
        s.log.debug({ url: redactUrl(url), status, bytes: body.length, ms }, 'fetched');
        validateStatus(url, req, response, s.now());
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
          validateStatus(url, req, response, s.now());
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
function validateStatus(url: string, req: HttpRequest, response: Response, nowMs: number): void {
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

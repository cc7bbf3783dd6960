/**
 * How long a live source waits before it calls an API again: the backoff after a network error,
 * a timeout or a 5xx (exponential, capped, jittered), and the wait a 429 answer asks for in its
 * headers. The HTTP client (http-client.ts) and the MBTA stream's reconnects use the same rules.
 */

/** The first backoff wait in ms, doubled after each failure. */
export const DEFAULT_MIN_BACKOFF_MS = 1_000;

/** The longest backoff wait in ms. */
export const DEFAULT_MAX_BACKOFF_MS = 30_000;

/** The wait after a 429 that does not say how long: a minute, the window of per-minute limits. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/** The longest 429 wait honoured: a longer one (or a broken header) waits a day, then retries. */
export const MAX_RATE_LIMIT_WAIT_MS = 86_400_000;

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

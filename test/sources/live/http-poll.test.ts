import { afterEach, describe, expect, it } from 'vitest';

import {
  UpstreamAuthError,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamRequestError,
  UsageError,
} from '../../../src/errors.js';
import {
  backoffDelayMs,
  createHttpClient,
  parseHeaderOption,
  redactUrl,
  retryAfterMs,
  type HttpClientOptions,
} from '../../../src/sources/http-poll.js';
import {
  inTurn,
  startFixtureServer,
  type FixtureHandler,
  type FixtureServer,
} from '../../support/fixture-http-server.js';
import { captureLog, fakeTime } from './live-kit.js';

const NOW = Date.parse('2025-10-04T10:00:00Z');
const OK = { body: '{"ok":true}' };

let server: FixtureServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(handler: FixtureHandler): Promise<FixtureServer> {
  server = await startFixtureServer(handler);
  return server;
}

function client(extra: HttpClientOptions = {}) {
  const time = fakeTime(NOW);
  const log = captureLog();
  const http = createHttpClient({
    sleep: time.sleep,
    now: time.now,
    random: () => 0.5,
    logger: log.logger,
    ...extra,
  });
  return { http, time, log };
}

const GET = { what: 'the test API' };

describe('redactUrl', () => {
  it('hides the values of query parameters that hold secrets', () => {
    const url = 'https://feeds.example.org/vp?api_key=s3cret&token=t0k&route=1&Subscription-Key=k';

    const safe = redactUrl(url);

    expect(safe).not.toMatch(/s3cret|t0k|=k\b/);
    expect(new URL(safe).searchParams.get('api_key')).toBe('redacted');
    expect(new URL(safe).searchParams.get('route')).toBe('1');
  });

  it('drops a user and password from the URL', () => {
    expect(redactUrl('https://me:pw@example.org/feed')).toBe('https://example.org/feed');
  });

  it('keeps a URL without secrets as it is', () => {
    const url = 'https://api-v3.mbta.com/vehicles?filter%5Brevenue%5D=REVENUE%2CNON_REVENUE';

    expect(redactUrl(url)).toBe(url);
  });
});

describe('retryAfterMs', () => {
  it('reads Retry-After in seconds and as an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }), NOW)).toBe(7000);
    const date = new Date(NOW + 30_000).toUTCString();
    expect(retryAfterMs(new Headers({ 'retry-after': date }), NOW)).toBe(30_000);
  });

  it("reads OpenSky's X-Rate-Limit-Retry-After-Seconds and MBTA's x-ratelimit-reset", () => {
    const openSky = new Headers({ 'x-rate-limit-retry-after-seconds': '120' });
    expect(retryAfterMs(openSky, NOW)).toBe(120_000);
    const mbta = new Headers({ 'x-ratelimit-reset': String(NOW / 1000 + 12) });
    expect(retryAfterMs(mbta, NOW)).toBe(12_000);
  });

  it('says nothing when no header does, and never asks to wait less than 0', () => {
    expect(retryAfterMs(new Headers(), NOW)).toBeNull();
    const past = new Date(NOW - 60_000).toUTCString();
    expect(retryAfterMs(new Headers({ 'retry-after': past }), NOW)).toBe(0);
  });
});

describe('backoffDelayMs', () => {
  it('doubles from the first wait up to the cap, half of it jittered', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(n, 1000, 5000, 0))).toEqual([
      500, 1000, 2000, 2500,
    ]);
    expect(backoffDelayMs(1, 1000, 5000, 0.999)).toBeCloseTo(2000, -1);
  });
});

describe('parseHeaderOption', () => {
  it("splits 'Name: value' at the first colon and trims both", () => {
    expect(parseHeaderOption('x-api-key:  abc:def ')).toEqual({
      name: 'x-api-key',
      value: 'abc:def',
    });
  });

  it('refuses a header without a name or a value, never echoing the value', () => {
    expect(() => parseHeaderOption('just-a-s3cret')).toThrow(UsageError);
    expect(() => parseHeaderOption('just-a-s3cret')).not.toThrow(/s3cret/);
    expect(() => parseHeaderOption('Bad Name: s3cret')).not.toThrow(/s3cret/);
    expect(() => parseHeaderOption('Authorization:   ')).toThrow(/Authorization needs a value/);
  });
});

describe('HttpClient.request', () => {
  it('waits what Retry-After says on a 429, then succeeds', async () => {
    const api = await serve(inTurn({ status: 429, headers: { 'retry-after': '3' } }, OK));
    const { http, time, log } = client();

    const reply = await http.request(`${api.url}/x`, GET, new AbortController().signal);

    expect(reply.status).toBe(200);
    expect(api.requests).toHaveLength(2);
    expect(time.sleeps).toEqual([3000]);
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ msg: 'rate limited', level: 40, status: 429, waitMs: 3000 }),
    );
  });

  it('retries a 5xx with backoff, then succeeds', async () => {
    const api = await serve(inTurn({ status: 503 }, { status: 502 }, OK));
    const { http, time, log } = client({ minBackoffMs: 1000 });

    const reply = await http.request(`${api.url}/x`, GET, new AbortController().signal);

    expect(new TextDecoder().decode(reply.body)).toBe('{"ok":true}');
    expect(api.requests).toHaveLength(3);
    expect(time.sleeps).toEqual([750, 1500]);
    const retries = log.lines().filter((line) => line.msg === 'request failed, retrying');
    expect(retries.map((line) => line.attempt)).toEqual([1, 2]);
  });

  it('retries after the server closes the connection, then succeeds', async () => {
    const api = await serve(inTurn({ drop: true }, OK));
    const { http, time } = client();

    const reply = await http.request(`${api.url}/x`, GET, new AbortController().signal);

    expect(reply.status).toBe(200);
    expect(api.requests).toHaveLength(2);
    expect(time.sleeps).toHaveLength(1);
  });

  it('retries a request that gets no answer within the timeout', async () => {
    const api = await serve(inTurn({ hang: true }, OK));
    const { http, log } = client({ timeoutMs: 100 });

    const reply = await http.request(`${api.url}/x`, GET, new AbortController().signal);

    expect(reply.status).toBe(200);
    expect(log.text()).toContain('no answer within 100 ms');
  });

  it('gives up with a retriable UpstreamError when the retries are used up', async () => {
    const api = await serve(inTurn({ status: 500 }));
    const { http } = client({ retries: 2 });

    const call = http.request(`${api.url}/x`, GET, new AbortController().signal);

    await expect(call).rejects.toBeInstanceOf(UpstreamError);
    await expect(call).rejects.toMatchObject({ code: 'HM_UPSTREAM', retriable: true });
    expect(api.requests).toHaveLength(3);
  });

  it('does not retry a 404: the error says what to check', async () => {
    const api = await serve(inTurn({ status: 404 }));
    const { http } = client();

    const call = http.request(
      `${api.url}/nowhere`,
      { ...GET, requestHint: 'check --url' },
      new AbortController().signal,
    );

    await expect(call).rejects.toBeInstanceOf(UpstreamRequestError);
    await expect(call).rejects.toThrow(/the test API answered 404 Not Found for .*: check --url/);
    expect(api.requests).toHaveLength(1);
  });

  it('does not retry a 401 or a 403: the credentials must change', async () => {
    const api = await serve((request) => ({ status: request.path === '/a' ? 401 : 403 }));
    const { http } = client();
    const signal = new AbortController().signal;

    const hint = { ...GET, authHint: 'check the key' };
    await expect(http.request(`${api.url}/a`, hint, signal)).rejects.toMatchObject({
      code: 'HM_UPSTREAM_AUTH',
      status: 401,
      retriable: false,
    });
    await expect(http.request(`${api.url}/b`, hint, signal)).rejects.toBeInstanceOf(
      UpstreamAuthError,
    );
    expect(api.requests).toHaveLength(2);
  });

  it('passes a 429 on when it comes after the retries are used up', async () => {
    const api = await serve(
      inTurn({ status: 500 }, { status: 429, headers: { 'retry-after': '9' } }),
    );
    const { http } = client({ retries: 1 });

    const call = http.request(`${api.url}/x`, GET, new AbortController().signal);

    await expect(call).rejects.toBeInstanceOf(UpstreamRateLimitError);
    await expect(call).rejects.toMatchObject({ retryAfterMs: 9000, retriable: true });
  });

  it('stops at once when the signal aborts during a wait', async () => {
    const api = await serve(inTurn({ status: 429, headers: { 'retry-after': '3600' } }));
    const controller = new AbortController();
    const { http } = client({
      sleep: async () => {
        controller.abort();
      },
    });

    const call = http.request(`${api.url}/x`, GET, controller.signal);

    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(api.requests).toHaveLength(1);
  });

  it('stops at once when the signal aborts while the server has not answered', async () => {
    const controller = new AbortController();
    const api = await serve(() => {
      controller.abort();
      return { hang: true };
    });
    const { http } = client();

    const call = http.request(`${api.url}/x`, GET, controller.signal);

    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(api.requests).toHaveLength(1);
  });

  it('logs the URL without its secrets, and never a header', async () => {
    const api = await serve(inTurn({ status: 500 }, OK));
    const { http, log } = client();

    await http.request(
      `${api.url}/feed?key=k3y-in-query&route=1`,
      { ...GET, headers: { authorization: 'Bearer t0ken-in-header' } },
      new AbortController().signal,
    );

    expect(log.text()).not.toMatch(/k3y-in-query|t0ken-in-header/);
    const fetched = log.lines().filter((line) => line.msg === 'fetched');
    expect(fetched).toHaveLength(2);
    expect(fetched[1]).toMatchObject({
      status: 200,
      bytes: 11,
      url: `${api.url}/feed?key=redacted&route=1`,
    });
    expect(typeof fetched[1]!.ms).toBe('number');
    expect(api.requests[1]!.headers.authorization).toBe('Bearer t0ken-in-header');
  });
});

describe('HttpClient.openStream', () => {
  it('retries until the server answers 2xx and leaves the body to read', async () => {
    const api = await serve(inTurn({ status: 503 }, { events: ['data: 1\n\n'] }));
    const { http } = client();

    const stream = await http.openStream(`${api.url}/s`, GET, new AbortController().signal);
    const text = await stream.response.text();
    stream.close();

    expect(text).toBe('data: 1\n\n');
    expect(api.requests).toHaveLength(2);
  });
});

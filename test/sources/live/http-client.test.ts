import { describe, expect, it } from 'vitest';

import {
  UpstreamAuthError,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamRequestError,
} from '../../../src/errors.js';
import { createHttpClient, type HttpClientOptions } from '../../../src/sources/http-client.js';
import { inTurn, serveInEachTest } from '../../support/fixture-http-server.js';
import { liveDoubles } from './live-kit.js';

const NOW = Date.parse('2025-10-04T10:00:00Z');
const OK = { body: '{"ok":true}' };

const serve = serveInEachTest();

function client(extra: HttpClientOptions = {}) {
  const { time, log, options } = liveDoubles(NOW);
  const http = createHttpClient({ ...options, ...extra });
  return { http, time, log };
}

const GET = { what: 'the test API' };

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

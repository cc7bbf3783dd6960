import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { UpstreamAuthError, UsageError } from '../../../src/errors.js';
import {
  createOpenSkyLiveSource,
  openSkyCreditCost,
  openSkyIntervalMs,
  type OpenSkyLiveOptions,
} from '../../../src/sources/opensky-live-source.js';
import { normaliseOpenSkyStates } from '../../../src/sources/opensky-states.js';
import { recordToLogEntry } from '../../../src/sources/source.js';
import {
  serveInEachTest,
  type FixtureHandler,
  type FixtureReply,
  type FixtureRequest,
  type FixtureServer,
} from '../../support/fixture-http-server.js';
import { HAVE_RECORDINGS, recording } from '../../support/recordings.js';
import { liveDoubles, runToEnd } from './live-kit.js';

const BOSTON = { lamin: 41.5, lomin: -72.5, lamax: 43.5, lomax: -69.5 };
const CREDENTIALS = { clientId: 'heatmap-client', clientSecret: 'cl1ent-s3cret' };

/** Two aircraft near Boston; `t` moves their time_position on. */
function states(t: number): string {
  return JSON.stringify({
    time: t,
    states: [
      [
        'a1b2c3',
        'DAL123  ',
        'United States',
        t - 1,
        t,
        -71.0,
        42.36,
        900,
        false,
        120,
        45,
        0,
        null,
        950,
      ],
      [
        'c3d4e5',
        'JBU456  ',
        'United States',
        t - 2,
        t,
        -70.9,
        42.4,
        3000,
        false,
        200,
        90,
        0,
        null,
        3100,
      ],
    ],
  });
}

const T = 1_759_572_000;

const serve = serveInEachTest();

/** An OpenSky stand-in: a token endpoint and `/api/states/all`, each with its own handler. */
async function serveOpenSky(
  statesReply: (request: FixtureRequest, index: number) => FixtureReply,
  tokenReply: (index: number) => FixtureReply = (i) => ({
    body: JSON.stringify({
      access_token: `t0ken-${i + 1}`,
      expires_in: 1800,
      token_type: 'Bearer',
    }),
  }),
): Promise<FixtureServer> {
  let tokenCalls = 0;
  let stateCalls = 0;
  const handler: FixtureHandler = (request) =>
    request.url.pathname === '/token'
      ? tokenReply(tokenCalls++)
      : statesReply(request, stateCalls++);
  return serve(handler);
}

function source(api: FixtureServer, opts: Partial<OpenSkyLiveOptions> = {}) {
  const { time, log, options } = liveDoubles(T * 1000);
  const live = createOpenSkyLiveSource({
    baseUrl: `${api.url}/api`,
    tokenUrl: `${api.url}/token`,
    maxPolls: 1,
    ...options,
    ...opts,
  });
  return { live, time, log };
}

async function run(api: FixtureServer, opts: Partial<OpenSkyLiveOptions> = {}) {
  const { live, time, log } = source(api, opts);
  return { ...(await runToEnd(live)), time, log };
}

const tokenRequests = (api: FixtureServer) =>
  api.requests.filter((r) => r.url.pathname === '/token');
const stateRequests = (api: FixtureServer) =>
  api.requests.filter((r) => r.url.pathname === '/api/states/all');

describe('openSkyCreditCost', () => {
  it('costs 1 to 4 credits by the area of the box', () => {
    expect(openSkyCreditCost(BOSTON)).toBe(1);
    expect(openSkyCreditCost({ lamin: 40, lomin: -75, lamax: 48, lomax: -65 })).toBe(2);
    expect(openSkyCreditCost({ lamin: 30, lomin: -90, lamax: 50, lomax: -70 })).toBe(3);
    expect(openSkyCreditCost({ lamin: 30, lomin: -90, lamax: 50, lomax: -69 })).toBe(4);
    expect(openSkyCreditCost()).toBe(4);
  });
});

describe('openSkyIntervalMs', () => {
  it("spends a day's credits evenly: 216 s anonymous, 21.6 s authenticated for 1 credit", () => {
    expect(openSkyIntervalMs(1, 400, false)).toBe(216_000);
    expect(openSkyIntervalMs(1, 4000, true)).toBe(21_600);
    expect(openSkyIntervalMs(4, 400, false)).toBe(864_000);
  });

  it('never polls faster than the resolution of the data', () => {
    expect(openSkyIntervalMs(1, 1_000_000, false)).toBe(10_000);
    expect(openSkyIntervalMs(1, 1_000_000, true)).toBe(5_000);
  });
});

describe('createOpenSkyLiveSource', () => {
  it('polls anonymously without an Authorization header, in the box given', async () => {
    const api = await serveOpenSky(() => ({ body: states(T) }));

    const { appends, time } = await run(api, { bbox: BOSTON, maxPolls: 2 });

    const [first] = stateRequests(api);
    expect(first!.headers.authorization).toBeUndefined();
    expect(tokenRequests(api)).toHaveLength(0);
    expect(Object.fromEntries(first!.url.searchParams)).toEqual({
      lamin: '41.5',
      lomin: '-72.5',
      lamax: '43.5',
      lomax: '-69.5',
    });
    expect(appends).toEqual([normaliseOpenSkyStates(JSON.parse(states(T))).map(recordToLogEntry)]);
    // The second poll saw the same states: nothing sent; the wait spends 400 credits a day.
    expect(time.sleeps).toEqual([216_000]);
  });

  it('takes a token with the client credentials and sends it as a bearer token', async () => {
    const api = await serveOpenSky(() => ({ body: states(T) }));

    const { events } = await run(api, { credentials: CREDENTIALS, bbox: BOSTON });

    const [tokenRequest] = tokenRequests(api);
    expect(tokenRequest!.method).toBe('POST');
    expect(tokenRequest!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenRequest!.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'heatmap-client',
      client_secret: 'cl1ent-s3cret',
    });
    expect(stateRequests(api)[0]!.headers.authorization).toBe('Bearer t0ken-1');
    expect(events().map((event) => event.vehicleId)).toEqual(['a1b2c3', 'c3d4e5']);
  });

  it('keeps the token across polls and renews it before it expires', async () => {
    let t = T;
    const api = await serveOpenSky(() => ({ body: states((t += 30)) }));
    const { live, time } = source(api, {
      credentials: CREDENTIALS,
      intervalMs: 600_000,
      maxPolls: 4,
    });

    await runToEnd(live);

    // Polls at 0, 10, 20 and 30 minutes; the 30-minute token is renewed a minute early.
    expect(time.sleeps).toEqual([600_000, 600_000, 600_000]);
    expect(tokenRequests(api)).toHaveLength(2);
    expect(stateRequests(api).map((r) => r.headers.authorization)).toEqual([
      'Bearer t0ken-1',
      'Bearer t0ken-1',
      'Bearer t0ken-1',
      'Bearer t0ken-2',
    ]);
  });

  it('after a 401 fetches a fresh token and tries once more', async () => {
    const api = await serveOpenSky((request) =>
      request.headers.authorization === 'Bearer t0ken-1' ? { status: 401 } : { body: states(T) },
    );

    const { events, log } = await run(api, { credentials: CREDENTIALS });

    expect(tokenRequests(api)).toHaveLength(2);
    expect(stateRequests(api).map((r) => r.headers.authorization)).toEqual([
      'Bearer t0ken-1',
      'Bearer t0ken-2',
    ]);
    expect(events()).toHaveLength(2);
    expect(log.text()).not.toMatch(/t0ken-|cl1ent-s3cret/);
  });

  it('stops with UpstreamAuthError when a fresh token is refused too', async () => {
    const api = await serveOpenSky(() => ({ status: 401 }));
    const { live } = source(api, { credentials: CREDENTIALS });

    const running = runToEnd(live);

    await expect(running).rejects.toBeInstanceOf(UpstreamAuthError);
    await expect(running).rejects.toThrow(/client id and client secret/);
    expect(stateRequests(api)).toHaveLength(2);
  });

  it('stops with UpstreamAuthError when the token endpoint refuses the client', async () => {
    const api = await serveOpenSky(
      () => ({ body: states(T) }),
      () => ({ status: 401, body: '{"error":"invalid_client"}' }),
    );
    const { live } = source(api, { credentials: CREDENTIALS });

    await expect(runToEnd(live)).rejects.toMatchObject({
      code: 'HM_UPSTREAM_AUTH',
    });
    expect(stateRequests(api)).toHaveLength(0);
  });

  it('waits X-Rate-Limit-Retry-After-Seconds on a 429, then polls', async () => {
    const limited: FixtureReply = {
      status: 429,
      headers: { 'x-rate-limit-retry-after-seconds': '3600' },
    };
    const answered: FixtureReply = {
      body: states(T),
      headers: { 'x-rate-limit-remaining': '396' },
    };
    const api = await serveOpenSky((_request, i) => (i === 0 ? limited : answered));

    const { events, time, log } = await run(api);

    expect(time.sleeps).toEqual([3_600_000]);
    expect(events()).toHaveLength(2);
    expect(log.lines()).toContainEqual(expect.objectContaining({ msg: 'rate limited', level: 40 }));
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ msg: 'poll done', creditsLeft: '396', fetched: 2, sent: 2 }),
    );
  });

  it('refuses a box OpenSky cannot take', () => {
    const flipped = { lamin: 43.5, lomin: -72.5, lamax: 41.5, lomax: -69.5 };
    expect(() => createOpenSkyLiveSource({ bbox: flipped })).toThrow(UsageError);
    expect(() => createOpenSkyLiveSource({ bbox: { ...BOSTON, lomax: 200 } })).toThrow(UsageError);
  });
});

describe.skipIf(!HAVE_RECORDINGS)('createOpenSkyLiveSource on an OpenSky recording', () => {
  it('appends every state of a recorded /states/all answer', async () => {
    const file = recording(
      'opensky/2021-03-07T183030Z_MarciMilligan-pythons-on-a-plane_opensky.json',
    );
    const body = readFileSync(file, 'utf8');
    const api = await serveOpenSky(() => ({ body }));

    const { appends } = await run(api);

    expect(appends).toEqual([normaliseOpenSkyStates(JSON.parse(body)).map(recordToLogEntry)]);
  });
});

import { describe, expect, it } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import {
  createMbtaStreamSource,
  type MbtaStreamOptions,
} from '../../../src/sources/mbta-stream-source.js';
import { sleepUnlessAborted } from '../../../src/sources/source.js';
import { inTurn, serveInEachTest, type FixtureServer } from '../../support/fixture-http-server.js';
import { captureLog, keepAppends, liveDoubles, runToEnd } from './live-kit.js';

function vehicle(id: string, updatedAt: string, lat = 42.35): Record<string, unknown> {
  return {
    id,
    type: 'vehicle',
    attributes: {
      latitude: lat,
      longitude: -71.06,
      bearing: 0,
      speed: null,
      updated_at: updatedAt,
    },
  };
}

const T1 = '2025-10-04T06:00:00-04:00';
const T2 = '2025-10-04T06:00:15-04:00';
const T3 = '2025-10-04T06:00:30-04:00';

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

const serve = serveInEachTest();

async function run(api: FixtureServer, opts: Partial<MbtaStreamOptions> = {}) {
  const { time, log, options } = liveDoubles();
  const live = createMbtaStreamSource({
    apiKey: 'stream-s3cret-key',
    baseUrl: api.url,
    maxConnections: 2,
    ...options,
    ...opts,
  });
  return { ...(await runToEnd(live)), time, log };
}

/** The (vehicle, ts) of every event sent, in order; `decode_error` for a rejected record. */
function sent(entries: { key: string; value: string; reject?: { reason: string } }[]): string[] {
  return entries.map((entry) =>
    entry.reject === undefined
      ? `${entry.key}@${String(JSON.parse(entry.value).ts)}`
      : entry.reject.reason,
  );
}

describe('createMbtaStreamSource', () => {
  it('applies reset, add, update and remove, and appends the vehicles that changed', async () => {
    const api = await serve(
      inTurn(
        {
          events: [
            sse('reset', [vehicle('A', T1), vehicle('B', T1)]),
            ': keep-alive\n\n',
            sse('add', vehicle('C', T1)),
            // An event cut in two by the network is still one event.
            'event: upd',
            `ate\ndata: ${JSON.stringify(vehicle('A', T2, 42.36))}\n\n`,
            sse('remove', { id: 'B', type: 'vehicle' }),
            sse('update', '{not json'),
          ],
        },
        { events: [sse('reset', [vehicle('A', T2, 42.36), vehicle('C', T3)])] },
      ),
    );

    const { entries, log, time } = await run(api);

    expect(sent(entries())).toEqual([
      `mbta:A@${T1}`,
      `mbta:B@${T1}`,
      `mbta:C@${T1}`,
      `mbta:A@${T2}`,
      'decode_error',
      // The second stream's reset: A is unchanged and not sent again.
      `mbta:C@${T3}`,
    ]);
    const ended = log.lines().find((line) => line.msg === 'stream ended; reconnecting');
    expect(ended).toMatchObject({ end: 'closed', vehicles: 2 });
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ msg: 'source stopped', vehicles: 2 }),
    );
    expect(time.sleeps).toEqual([750]);
  });

  it('asks for every vehicle as an event stream, with the key, never logging it', async () => {
    const api = await serve(inTurn({ events: [sse('reset', [vehicle('A', T1)])] }));

    const { log } = await run(api, { maxConnections: 1, routeTypes: [3] });

    const [request] = api.requests;
    expect(request!.headers.accept).toBe('text/event-stream');
    expect(request!.headers['x-api-key']).toBe('stream-s3cret-key');
    expect(request!.url.searchParams.get('filter[revenue]')).toBe('REVENUE,NON_REVENUE');
    expect(request!.url.searchParams.get('filter[route_type]')).toBe('3');
    expect(log.text()).not.toContain('stream-s3cret-key');
  });

  it('reconnects after an error event, even when the server leaves the stream open', async () => {
    const api = await serve(
      inTurn(
        {
          events: [sse('reset', [vehicle('A', T1)]), sse('error', { errors: [{ code: 'x' }] })],
          keepOpen: true,
        },
        { events: [sse('reset', [vehicle('A', T2)])] },
      ),
    );

    const { entries, log } = await run(api);

    expect(api.requests).toHaveLength(2);
    expect(sent(entries())).toEqual([`mbta:A@${T1}`, `mbta:A@${T2}`]);
    expect(log.lines()).toContainEqual(expect.objectContaining({ msg: 'stream error event' }));
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ msg: 'stream ended; reconnecting', end: 'error event' }),
    );
  });

  it('reconnects with growing waits while streams end before a reset', async () => {
    const api = await serve(inTurn({ events: [] }));

    const { time } = await run(api, { maxConnections: 3 });

    expect(api.requests).toHaveLength(3);
    expect(time.sleeps).toEqual([1500, 3000]);
  });

  it('stops promptly when aborted while the stream is open', async () => {
    const api = await serve(inTurn({ events: [sse('reset', [vehicle('A', T1)])], keepOpen: true }));
    const controller = new AbortController();
    const kept = keepAppends(() => controller.abort());
    const live = createMbtaStreamSource({
      apiKey: 'k',
      baseUrl: api.url,
      sleep: sleepUnlessAborted,
      logger: captureLog().logger,
    });

    await live.run(kept.sink, controller.signal);

    expect(kept.appends).toHaveLength(1);
  });

  it('needs a key, as the API allows no anonymous streaming', () => {
    expect(() => createMbtaStreamSource({ apiKey: '' })).toThrow(UsageError);
    expect(() => createMbtaStreamSource({ apiKey: '' })).toThrow(/MBTA_API_KEY/);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { UpstreamAuthError, UsageError } from '../../../src/errors.js';
import {
  createMbtaLiveSource,
  firstPageUrl,
  type MbtaLiveOptions,
} from '../../../src/sources/mbta-live-source.js';
import { mbtaVehicleResources, normaliseMbtaVehicles } from '../../../src/sources/mbta-v3.js';
import { recordToLogEntry, sleepUnlessAborted } from '../../../src/sources/source.js';
import {
  inTurn,
  serveInEachTest,
  type FixtureReply,
  type FixtureRequest,
  type FixtureServer,
} from '../../support/fixture-http-server.js';
import { HAVE_RECORDINGS, recording } from '../../support/recordings.js';
import { captureLog, fakeTime, keepAppends, liveDoubles, runToEnd } from './live-kit.js';

type Resource = Record<string, unknown>;

function vehicle(id: string, updatedAt: string, lat = 42.35, lon = -71.06): Resource {
  return {
    id,
    type: 'vehicle',
    attributes: {
      latitude: lat,
      longitude: lon,
      bearing: 90,
      speed: 5,
      label: id.replace(/^y/, ''),
      updated_at: updatedAt,
      revenue_status: 'REVENUE',
    },
    relationships: { route: { data: { id: '1', type: 'route' } } },
  };
}

/** Five buses of route 1: a small hand-written fleet. */
const FLEET = ['y1001', 'y1002', 'y1003', 'y1004', 'y1005'].map((id, i) =>
  vehicle(id, `2025-10-04T06:00:0${i}-04:00`, 42.35 + i / 100),
);

/**
 * Serves `resources` as the V3 API pages them: `page[limit]` per page (default `size`), and an
 * absolute `links.next` with `page[offset]`, keeping the other parameters.
 */
function pagesOf(resources: Resource[], size: number, extra: Partial<FixtureReply> = {}) {
  return (request: FixtureRequest): FixtureReply => {
    const offset = Number(request.url.searchParams.get('page[offset]') ?? 0);
    const limit = Number(request.url.searchParams.get('page[limit]') ?? size);
    const links: Record<string, string> = {};
    if (offset + limit < resources.length) {
      const next = new URL(request.path, `http://${request.headers.host}`);
      next.searchParams.set('page[offset]', String(offset + limit));
      next.searchParams.set('page[limit]', String(limit));
      links.next = next.toString();
    }
    const body = {
      data: resources.slice(offset, offset + limit),
      links,
      jsonapi: { version: '1.0' },
    };
    return { body: JSON.stringify(body), ...extra };
  };
}

/** The fleet in one answer, without links. */
const WHOLE_FLEET: FixtureReply = { body: JSON.stringify({ data: FLEET }) };

const serve = serveInEachTest();

function source(api: FixtureServer, opts: Partial<MbtaLiveOptions> = {}) {
  const { time, log, options } = liveDoubles();
  const live = createMbtaLiveSource({ baseUrl: api.url, maxPolls: 1, ...options, ...opts });
  return { live, time, log };
}

async function runOnce(api: FixtureServer, opts: Partial<MbtaLiveOptions> = {}) {
  const { live, time, log } = source(api, opts);
  return { ...(await runToEnd(live)), time, log };
}

describe('createMbtaLiveSource', () => {
  it('follows links.next through every page and appends one snapshot per poll', async () => {
    const api = await serve(pagesOf(FLEET, 2));

    const { appends, events, log } = await runOnce(api);

    expect(api.requests).toHaveLength(3);
    expect(appends).toHaveLength(1);
    expect(events().map((event) => event.vehicleId)).toEqual(FLEET.map((v) => v.id));
    expect(appends[0]).toEqual(normaliseMbtaVehicles({ data: FLEET }).map(recordToLogEntry));
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ msg: 'poll done', fetched: 5, sent: 5, skipped: 0, pages: 3 }),
    );
  });

  it('asks for every vehicle, in or out of revenue service, of the route types given', async () => {
    const api = await serve(pagesOf(FLEET, 10));

    await runOnce(api, { routeTypes: [1, 3], pageLimit: 10 });

    const params = api.requests[0]!.url.searchParams;
    expect(api.requests[0]!.url.pathname).toBe('/vehicles');
    expect(params.get('filter[revenue]')).toBe('REVENUE,NON_REVENUE');
    expect(params.get('filter[route_type]')).toBe('1,3');
    expect(params.get('page[limit]')).toBe('10');
  });

  it('sends x-api-key when a key is given, and never logs it', async () => {
    const api = await serve(pagesOf(FLEET, 2));

    const { log } = await runOnce(api, { apiKey: 'mbta-s3cret-key' });

    expect(api.requests.map((r) => r.headers['x-api-key'])).toEqual(
      Array(3).fill('mbta-s3cret-key'),
    );
    expect(log.lines().length).toBeGreaterThan(3);
    expect(log.text()).not.toContain('mbta-s3cret-key');
  });

  it('sends no key header without a key', async () => {
    const api = await serve(pagesOf(FLEET, 10));

    await runOnce(api);

    expect(api.requests[0]!.headers['x-api-key']).toBeUndefined();
  });

  it('sends a bus polled twice once, and a bus that moved again', async () => {
    const moved = [...FLEET.slice(0, 4), vehicle('y1005', '2025-10-04T06:00:30-04:00', 42.4)];
    let polls = 0;
    const api = await serve((request) => {
      if (request.url.searchParams.get('page[offset]') === null) polls += 1;
      return pagesOf(polls === 1 ? FLEET : moved, 2)(request);
    });

    const { appends, log } = await runOnce(api, { maxPolls: 2 });

    expect(appends.map((entries) => entries.length)).toEqual([5, 1]);
    expect(appends[1]![0]!.key).toBe('mbta:y1005');
    const polled = log.lines().filter((line) => line.msg === 'poll done');
    expect(polled.map((line) => [line.fetched, line.sent, line.skipped])).toEqual([
      [5, 5, 0],
      [5, 1, 4],
    ]);
  });

  it('waits between polls: longer without a key, and long enough for the pages', async () => {
    const anonymous = await runOnce(await serve(pagesOf(FLEET, 10)), { maxPolls: 2 });
    const keyed = await runOnce(await serve(pagesOf(FLEET, 10)), { maxPolls: 2, apiKey: 'k' });
    const paged = await runOnce(await serve(pagesOf(FLEET, 1)), { maxPolls: 2 });

    expect(anonymous.time.sleeps).toEqual([10_000]);
    expect(keyed.time.sleeps).toEqual([5_000]);
    // Five pages at 20 requests a minute cost 15 s.
    expect(paged.time.sleeps).toEqual([15_000]);
  });

  it('waits for x-ratelimit-reset when x-ratelimit-remaining reaches 0', async () => {
    const time = fakeTime();
    const resetS = time.now() / 1000 + 40;
    const budget = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetS) };
    const api = await serve(pagesOf(FLEET, 3, { headers: budget }));

    const { events } = await runOnce(api, { sleep: time.sleep, now: time.now });

    expect(events()).toHaveLength(5);
    expect(time.sleeps).toEqual([40_000]);
  });

  it('asks with If-Modified-Since, and reads a 304 as the page it had', async () => {
    const lastModified = 'Sat, 04 Oct 2025 10:00:00 GMT';
    const api = await serve((request) =>
      request.headers['if-modified-since'] === lastModified
        ? { status: 304 }
        : pagesOf(FLEET, 10, { headers: { 'last-modified': lastModified } })(request),
    );

    const { appends, log } = await runOnce(api, { maxPolls: 2 });

    expect(api.requests[1]!.headers['if-modified-since']).toBe(lastModified);
    expect(appends).toHaveLength(1);
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ msg: 'poll done', fetched: 5, skipped: 5, notModified: 1 }),
    );
  });

  it('does not follow links.next to another host, where the key would go', async () => {
    const api = await serve(() => ({
      body: JSON.stringify({ data: FLEET, links: { next: 'https://elsewhere.example/vehicles' } }),
    }));

    const { events, log } = await runOnce(api, { apiKey: 'k' });

    expect(api.requests).toHaveLength(1);
    expect(events()).toHaveLength(5);
    expect(log.text()).toContain('links.next leaves the API host');
  });

  it('counts a page that is not JSON once as decode_error and polls on', async () => {
    const api = await serve(inTurn({ body: '<html>maintenance</html>' }, WHOLE_FLEET));

    const { appends } = await runOnce(api, { maxPolls: 2 });

    expect(appends[0]).toHaveLength(1);
    expect(appends[0]![0]!.reject?.reason).toBe('decode_error');
    expect(appends[1]).toHaveLength(5);
  });

  it('loses only the poll when the API stays down past the retries', async () => {
    const api = await serve(inTurn({ status: 503 }, { status: 503 }, WHOLE_FLEET));

    const { appends, log } = await runOnce(api, { maxPolls: 2, retries: 1 });

    expect(appends).toHaveLength(1);
    expect(log.lines()).toContainEqual(expect.objectContaining({ msg: 'poll failed', level: 50 }));
  });

  it('stops with UpstreamAuthError when the API refuses the key', async () => {
    const api = await serve(inTurn({ status: 403, body: '{"errors":[{"code":"forbidden"}]}' }));
    const { live } = source(api, { apiKey: 'bad-key' });

    const run = runToEnd(live);

    await expect(run).rejects.toBeInstanceOf(UpstreamAuthError);
    await expect(run).rejects.toThrow(/MBTA_API_KEY/);
  });

  it('stops promptly when aborted during the wait between polls', async () => {
    const api = await serve(pagesOf(FLEET, 10));
    const controller = new AbortController();
    const live = createMbtaLiveSource({
      baseUrl: api.url,
      intervalMs: 3_600_000,
      sleep: sleepUnlessAborted,
      logger: captureLog().logger,
    });
    const kept = keepAppends(() => controller.abort());

    await live.run(kept.sink, controller.signal);

    expect(kept.appends).toHaveLength(1);
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => firstPageUrl({ baseUrl: 'ftp://example.org' })).toThrow(UsageError);
    expect(() => firstPageUrl({ routeTypes: [-1] })).toThrow(UsageError);
  });
});

describe.skipIf(!HAVE_RECORDINGS)(
  'createMbtaLiveSource on the MBTA recordings, served in pages',
  () => {
    const files = HAVE_RECORDINGS
      ? readdirSync(recording('mbta')).filter((f) => f.endsWith('.json'))
      : [];

    it.each(files)('returns every vehicle of %s, not the first page only', async (file) => {
      const body: unknown = JSON.parse(readFileSync(recording(`mbta/${file}`), 'utf8'));
      const resources = mbtaVehicleResources(body)!;
      const size = resources.length > 100 ? 100 : 3;
      const api = await serve(pagesOf(resources, size));

      const { appends, log } = await runOnce(api);

      // Each (vehicle, updated_at) once: the 2019 file holds exact re-sends; rejections all pass.
      const seen = new Set<string>();
      const expected = normaliseMbtaVehicles({ data: resources })
        .map(recordToLogEntry)
        .filter((entry) => {
          if (entry.reject !== undefined) return true;
          const identity = `${entry.key}|${String(JSON.parse(entry.value).ts)}`;
          if (seen.has(identity)) return false;
          seen.add(identity);
          return true;
        });
      expect(api.requests).toHaveLength(Math.ceil(resources.length / size));
      expect(appends).toHaveLength(1);
      expect(appends[0]).toEqual(expected);
      expect(log.lines()).toContainEqual(
        expect.objectContaining({
          msg: 'poll done',
          fetched: resources.length,
          skipped: resources.length - expected.length,
        }),
      );
    });
  },
);

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { decodeGtfsRealtime } from '../../../src/sources/gtfs-realtime.js';
import {
  createGtfsRtLiveSource,
  type GtfsRtLiveOptions,
} from '../../../src/sources/gtfsrt-live-source.js';
import { readRecordingFile } from '../../../src/sources/read-recording.js';
import { recordToLogEntry } from '../../../src/sources/source.js';
import { inTurn, serveInEachTest } from '../../support/fixture-http-server.js';
import { HAVE_RECORDINGS, recording } from '../../support/recordings.js';
import { keepAppends, liveDoubles } from './live-kit.js';

const fixture = (name: string) => new URL(`../../fixtures/sources/${name}`, import.meta.url);
const PB = new Uint8Array(readFileSync(fixture('gtfsrt-vehicle-positions.pb')));
const ENHANCED_JSON = readFileSync(fixture('gtfsrt-enhanced.json'), 'utf8');
const GARBAGE = 'garbage, not protobuf';

const serve = serveInEachTest();

function start(opts: GtfsRtLiveOptions) {
  const { time, log, options } = liveDoubles();
  const kept = keepAppends();
  const live = createGtfsRtLiveSource({ maxPolls: 1, ...options, ...opts });
  const done = live.run(kept.sink, new AbortController().signal);
  return { done, kept, log, time };
}

describe('createGtfsRtLiveSource', () => {
  it('appends a protobuf feed as provider gtfsrt.<feed>', async () => {
    const api = await serve(inTurn({ body: PB }));

    const { done, kept } = start({ url: `${api.url}/vp.pb`, feed: 'stm' });
    await done;

    const expected = decodeGtfsRealtime(PB, { feed: 'stm' }).map(recordToLogEntry);
    expect(kept.appends).toEqual([expected]);
    expect(kept.events().every((event) => event.provider === 'gtfsrt.stm')).toBe(true);
  });

  it('reads the JSON rendering by its content', async () => {
    const api = await serve(inTurn({ body: ENHANCED_JSON }));

    const { done, kept } = start({
      url: `${api.url}/VehiclePositions_enhanced.json`,
      feed: 'mbta',
    });
    await done;

    expect(kept.events().length).toBeGreaterThan(0);
    expect(kept.events()[0]!.provider).toBe('gtfsrt.mbta');
  });

  it('counts an undecodable body once as decode_error, polls on, spares other feeds', async () => {
    let brokenPolls = 0;
    const api = await serve((request) => {
      if (request.url.pathname !== '/broken') return { body: PB };
      brokenPolls += 1;
      return { body: brokenPolls === 1 ? GARBAGE : PB };
    });

    const broken = start({ url: `${api.url}/broken`, feed: 'broken', maxPolls: 2 });
    const good = start({ url: `${api.url}/good`, feed: 'good', maxPolls: 2 });
    await Promise.all([broken.done, good.done]);

    const [first, second] = broken.kept.appends;
    expect(first).toHaveLength(1);
    expect(first![0]).toMatchObject({ key: '', reject: { reason: 'decode_error' } });
    expect(second).toEqual(decodeGtfsRealtime(PB, { feed: 'broken' }).map(recordToLogEntry));
    // The good feed's second poll repeats its reports: only its rejections are counted again.
    const good1 = decodeGtfsRealtime(PB, { feed: 'good' }).map(recordToLogEntry);
    const rejections = good1.filter((entry) => entry.reject !== undefined);
    expect(good.kept.appends).toEqual([good1, rejections]);
    expect(broken.log.lines()).toContainEqual(
      expect.objectContaining({ msg: 'poll done', fetched: 1, rejected: 1 }),
    );
  });

  it('counts a JSON body that is not a feed (an error document) as decode_error', async () => {
    const api = await serve(inTurn({ body: '{"error":"rate limit"}' }));

    const { done, kept } = start({ url: `${api.url}/vp`, feed: 'x' });
    await done;

    expect(kept.entries()).toHaveLength(1);
    expect(kept.entries()[0]!.reject?.reason).toBe('decode_error');
  });

  it("sends the agency's header and keeps it, and a key in the URL, out of the logs", async () => {
    const api = await serve(inTurn({ status: 500 }, { body: PB }));

    const { done, log } = start({
      url: `${api.url}/vp?api_key=query-s3cret`,
      feed: 'keyed',
      header: 'X-Agency-Key: header-s3cret',
    });
    await done;

    expect(api.requests.map((r) => r.headers['x-agency-key'])).toEqual([
      'header-s3cret',
      'header-s3cret',
    ]);
    expect(api.requests[0]!.url.searchParams.get('api_key')).toBe('query-s3cret');
    expect(log.text()).not.toMatch(/header-s3cret|query-s3cret/);
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ msg: 'request failed, retrying', level: 40 }),
    );
  });

  it('refuses a feed name that makes no provider name, and a header without a value', () => {
    expect(() => createGtfsRtLiveSource({ url: 'https://x.example/vp', feed: 'Bad Name' })).toThrow(
      UsageError,
    );
    expect(() => createGtfsRtLiveSource({ url: 'https://x.example/vp', header: 'X-Key:' })).toThrow(
      UsageError,
    );
    expect(() => createGtfsRtLiveSource({ url: 'file:///etc/passwd' })).toThrow(UsageError);
  });
});

describe.skipIf(!HAVE_RECORDINGS)('createGtfsRtLiveSource on a recorded feed', () => {
  it('appends what reading the recording gives', async () => {
    const file = recording(
      'gtfsrt-caltrain/2023-11-08T010559Z_interline-io-transitland-lib_ct-vehicle-positions.pb',
    );
    const api = await serve(inTurn({ body: new Uint8Array(readFileSync(file)) }));

    const { done, kept } = start({ url: `${api.url}/vp`, feed: 'caltrain' });
    await done;

    const [batch] = await readRecordingFile(file, { feed: 'caltrain' });
    expect(kept.appends).toEqual([batch!.records.map(recordToLogEntry)]);
  });
});

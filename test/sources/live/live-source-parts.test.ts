import { describe, expect, it } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { createLiveSourceParts, validatePositive } from '../../../src/sources/live-source-parts.js';
import { inTurn, serveInEachTest } from '../../support/fixture-http-server.js';
import { liveDoubles } from './live-kit.js';

const serve = serveInEachTest();

describe('createLiveSourceParts', () => {
  it("gives the HTTP client the source's clock, sleep and logger, with its bindings", async () => {
    const api = await serve(inTurn({ status: 503 }, { body: '{}' }));
    const { time, log, options } = liveDoubles();

    const parts = createLiveSourceParts(options, { source: 'test-live' });
    await parts.http.request(
      `${api.url}/x`,
      { what: 'the test API' },
      new AbortController().signal,
    );

    expect(parts.now).toBe(time.now);
    expect(time.sleeps).toEqual([750]);
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ msg: 'request failed, retrying', source: 'test-live' }),
    );
  });
});

describe('validatePositive', () => {
  it('takes a number above 0 and refuses 0, negatives and NaN', () => {
    expect(() => validatePositive('the intervalMs', 1)).not.toThrow();
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => validatePositive('the intervalMs', bad)).toThrow(UsageError);
    }
    expect(() => validatePositive('the intervalMs', 0)).toThrow(
      'the intervalMs must be a number above 0, got 0',
    );
  });
});

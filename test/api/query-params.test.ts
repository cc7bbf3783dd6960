import { describe, expect, it } from 'vitest';
import {
  LIMIT_RANGE,
  parseBbox,
  parsePositionQuery,
  parseProviders,
  parseTileQuery,
  parseTileRangeQuery,
} from '../../src/api/query-params.js';
import { BadParameterError } from '../../src/errors.js';

/** The error a parse throws, to look at its parameter and message. */
function refusal(parse: () => unknown): BadParameterError {
  try {
    parse();
  } catch (err) {
    if (err instanceof BadParameterError) return err;
    throw err;
  }
  throw new Error('expected a BadParameterError');
}

describe('parseTileQuery', () => {
  it('uses the default limit of 20000 and no filter when the query is empty', () => {
    expect(parseTileQuery({})).toEqual({ limit: 20_000 });
    expect(LIMIT_RANGE.default).toBe(20_000);
  });

  it('reads providers, a bbox and a limit', () => {
    expect(
      parseTileQuery({ provider: 'mbta,opensky', bbox: '-71.2,42.2,-70.9,42.5', limit: '50' }),
    ).toEqual({
      providers: ['mbta', 'opensky'],
      bbox: [-71.2, 42.2, -70.9, 42.5],
      limit: 50,
    });
  });

  it('ignores parameters it does not know, whatever their value', () => {
    expect(parseTileQuery({ minutes: 'abc', Limit: '0', _: '1700000000' })).toEqual({
      limit: 20_000,
    });
  });

  it('refuses a parameter given twice, naming it', () => {
    const err = refusal(() => parseTileQuery({ limit: ['1', '2'] }));
    expect(err.parameter).toBe('limit');
    expect(err.message).toMatch(/given once/);
  });

  it.each([
    ['0', /from 1 to 100000/],
    ['-1', /got "-1"/],
    ['abc', /got "abc"/],
    ['100001', /from 1 to 100000/],
    ['1.5', /whole number/],
    ['', /whole number/],
    [' 5', /whole number/],
    ['0x10', /whole number/],
    ['1e3', /whole number/],
    ['99999999999999999999', /whole number/],
  ])('refuses limit=%j', (raw, message) => {
    const err = refusal(() => parseTileQuery({ limit: raw }));
    expect(err.parameter).toBe('limit');
    expect(err.message).toMatch(message);
    expect(err.code).toBe('HM_BAD_PARAMETER');
  });

  it('takes the largest limit', () => {
    expect(parseTileQuery({ limit: '100000' }).limit).toBe(100_000);
  });
});

describe('parseProviders', () => {
  it('keeps names in order and drops repeats', () => {
    expect(parseProviders('opensky,mbta,opensky')).toEqual(['opensky', 'mbta']);
  });

  it('takes names of the SPEC 1 form, dots and dashes included', () => {
    expect(parseProviders('gtfsrt.mbta,sim,a_b-c')).toEqual(['gtfsrt.mbta', 'sim', 'a_b-c']);
  });

  it.each(['', 'MBTA', 'mbta,', ',mbta', '.mbta', 'mb ta', 'x'.repeat(49), 'mbta;opensky', 'büs'])(
    'refuses provider=%j',
    (raw) => {
      expect(refusal(() => parseProviders(raw)).parameter).toBe('provider');
    },
  );

  it('refuses more than 32 names', () => {
    const many = Array.from({ length: 33 }, (_, i) => `p${i}`).join(',');
    expect(refusal(() => parseProviders(many)).message).toMatch(/at most 32/);
  });
});

describe('parseBbox', () => {
  it('reads four numbers, exponents and signs included', () => {
    expect(parseBbox('-180,-90,180,90')).toEqual([-180, -90, 180, 90]);
    expect(parseBbox('1e-7,+.5,3.,2')).toEqual([1e-7, 0.5, 3, 2]);
  });

  it('takes a box across the antimeridian, west edge east of the east edge (RFC 7946, 5.2)', () => {
    expect(parseBbox('170,-20,-170,20')).toEqual([170, -20, -170, 20]);
  });

  it('takes a box of no width (a point)', () => {
    expect(parseBbox('-71,42,-71,42')).toEqual([-71, 42, -71, 42]);
  });

  it.each([
    ['1,2,3', /four numbers/],
    ['1,2,3,4,5', /four numbers/],
    ['', /four numbers/],
    ['NaN,1,2,3', /four numbers/],
    ['Infinity,1,2,3', /four numbers/],
    ['1e999,1,2,3', /finite/],
    ['a,b,c,d', /four numbers/],
    ['1, 2,3,4', /four numbers/],
    ['0x1,2,3,4', /four numbers/],
    ['-181,0,0,1', /-180\.\.180/],
    ['0,-91,1,1', /-90\.\.90/],
    ['0,0,181,1', /-180\.\.180/],
    ['0,0,1,90.5', /-90\.\.90/],
    ['0,10,1,5', /minLat must not exceed maxLat/],
    ['190,0,-170,10', /-180\.\.180/],
    ['0,0,-181,10', /-180\.\.180/],
    ['0,95,1,96', /-90\.\.90/],
  ])('refuses bbox=%j', (raw, message) => {
    const err = refusal(() => parseBbox(raw));
    expect(err.parameter).toBe('bbox');
    expect(err.message).toMatch(message);
  });

  it('quotes a long bad value cut short', () => {
    const err = refusal(() => parseBbox('9'.repeat(500)));
    expect(err.message.length).toBeLessThan(200);
  });
});

describe('parseTileRangeQuery', () => {
  it('uses 15 minutes by default', () => {
    expect(parseTileRangeQuery({})).toEqual({ limit: 20_000, minutes: 15 });
  });

  it('reads minutes with the map filters', () => {
    expect(parseTileRangeQuery({ minutes: '60', provider: 'sim' })).toEqual({
      limit: 20_000,
      providers: ['sim'],
      minutes: 60,
    });
  });

  it.each(['0', '1441', '-5', 'abc', '15.0'])('refuses minutes=%j', (raw) => {
    expect(refusal(() => parseTileRangeQuery({ minutes: raw })).parameter).toBe('minutes');
  });

  it('still checks the map filters', () => {
    expect(refusal(() => parseTileRangeQuery({ limit: '0' })).parameter).toBe('limit');
  });
});

describe('parsePositionQuery', () => {
  it('uses a maxAgeSec of 600 by default', () => {
    expect(parsePositionQuery({})).toEqual({ limit: 20_000, maxAgeSec: 600 });
  });

  it('takes maxAgeSec up to a day', () => {
    expect(parsePositionQuery({ maxAgeSec: '86400' }).maxAgeSec).toBe(86_400);
  });

  it.each(['0', '86401', 'ten', '-1', ''])('refuses maxAgeSec=%j', (raw) => {
    expect(refusal(() => parsePositionQuery({ maxAgeSec: raw })).parameter).toBe('maxAgeSec');
  });

  it('refuses maxAgeSec given twice', () => {
    expect(refusal(() => parsePositionQuery({ maxAgeSec: ['1', '1'] })).parameter).toBe(
      'maxAgeSec',
    );
  });
});

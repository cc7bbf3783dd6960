import { describe, expect, it } from 'vitest';
import { checkPageConfig, DEFAULT_PAGE_CONFIG } from '../../src/api/page-config.js';
import { UsageError } from '../../src/errors.js';

const URL_TEMPLATE = 'https://tile.example/{z}/{x}/{y}.png';

describe('checkPageConfig', () => {
  it('passes the default: refresh every 5 s, no base map', () => {
    expect(checkPageConfig(DEFAULT_PAGE_CONFIG, {})).toEqual({ refreshMs: 5000, tileUrl: null });
  });

  it('keeps only the fields the page is served', () => {
    const withExtra = { refreshMs: 1000, tileUrl: URL_TEMPLATE, apiKey: 'x' } as never;
    expect(checkPageConfig(withExtra, {})).toEqual({ refreshMs: 1000, tileUrl: URL_TEMPLATE });
  });

  it.each([0, -5, 1.5, Number.NaN])('refuses a refreshMs of %s', (refreshMs) => {
    expect(() => checkPageConfig({ refreshMs, tileUrl: null }, {})).toThrow(UsageError);
  });

  it.each(['MBTA_API_KEY', 'OPENSKY_PASSWORD', 'MAPBOX_TOKEN', 'CLIENT_SECRET'])(
    'refuses a field holding the value of %s, naming the variable but not the value',
    (name) => {
      const env = { [name]: 'S3cr3t-value' };
      const config = { refreshMs: 5000, tileUrl: null, attribution: 'by S3cr3t-value' };
      expect(() => checkPageConfig(config, env)).toThrow(
        new RegExp(`attribution contains the value of ${name}`),
      );
      try {
        checkPageConfig(config, env);
      } catch (err) {
        expect((err as Error).message).not.toContain('S3cr3t-value');
      }
    },
  );

  it('ignores variables that are not secrets, and values too short to tell apart', () => {
    const config = { refreshMs: 5000, tileUrl: 'https://tile.example/{z}/{x}/{y}.png' };
    expect(checkPageConfig(config, { HOME: 'tile.example', MBTA_API_KEY: 'png' })).toEqual(config);
  });
});

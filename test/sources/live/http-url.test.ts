import { describe, expect, it } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { endpointUrl, redactUrl, validateHttpUrl } from '../../../src/sources/http-url.js';

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

describe('validateHttpUrl', () => {
  it('parses an absolute http(s) URL', () => {
    expect(validateHttpUrl('https://feeds.example.org/vp', 'the feed URL').href).toBe(
      'https://feeds.example.org/vp',
    );
  });

  it('refuses a URL that is not http(s), or not absolute, showing it without its secrets', () => {
    expect(() => validateHttpUrl('file:///etc/passwd', 'the feed URL')).toThrow(UsageError);
    expect(() => validateHttpUrl('ftp://x.example/?token=s3cret', 'the feed URL')).toThrow(
      /^the feed URL must be http\(s\), got ftp:\/\/x\.example\/\?token=redacted$/,
    );
    expect(() => validateHttpUrl('vehicles', 'the feed URL')).toThrow(/absolute http\(s\) URL/);
  });
});

describe('endpointUrl', () => {
  it('joins the root, less its trailing slashes, and the path', () => {
    expect(endpointUrl('https://api.example.org/v1//', '/vehicles', 'the base URL').href).toBe(
      'https://api.example.org/v1/vehicles',
    );
  });

  it('refuses a root that is not http(s)', () => {
    expect(() => endpointUrl('ftp://example.org', '/vehicles', 'the base URL')).toThrow(UsageError);
  });
});

/**
 * The URLs of the live sources: the one check that a URL the user gave is absolute http(s), and
 * the one way a URL is written into a log line or an error message, with the secrets some
 * agencies put in the query string taken out (SPEC 6).
 */
import { UsageError } from '../errors.js';

/** Query parameters whose values are secrets, e.g. `api_key`, `token`, `client_secret`, `sig`. */
const SECRET_PARAMETER = /key|token|secret|passw|auth|signature|credential|^sig$|^code$/i;

/**
 * Writes a URL for logs and messages: the values of query parameters that look like secrets
 * become `redacted`, and user and password are dropped.
 *
 * @param url - an absolute URL
 * @returns the URL without its secrets; `(a URL that does not parse)` when it is none
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(a URL that does not parse)';
  }
  parsed.username = '';
  parsed.password = '';
  const secrets = [...parsed.searchParams.keys()].filter((name) => SECRET_PARAMETER.test(name));
  for (const name of new Set(secrets)) parsed.searchParams.set(name, 'redacted');
  return parsed.toString();
}

/**
 * Parses a URL the user gave (a base URL, a feed URL) and insists that it is absolute http(s).
 *
 * @param text - the URL as given
 * @param what - names it in the error, e.g. `the MBTA base URL`
 * @returns the parsed URL
 * @throws UsageError when `text` does not parse or is not http(s); the message shows it redacted
 */
export function validateHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what} must be an absolute http(s) URL, got ${redactUrl(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${what} must be http(s), got ${redactUrl(text)}`);
  }
  return url;
}

/**
 * The URL of one endpoint of an API whose root the user may give: the root without its trailing
 * slashes, then the endpoint's path.
 *
 * @param base - the API's root, e.g. `https://api-v3.mbta.com`
 * @param path - the endpoint, from `/`, e.g. `/vehicles`
 * @param what - names the root in the error, e.g. `the MBTA base URL`
 * @returns the endpoint's URL
 * @throws UsageError when `base` is not an absolute http(s) URL
 */
export function endpointUrl(base: string, path: string, what: string): URL {
  validateHttpUrl(base, what);
  return new URL(`${base.replace(/\/+$/, '')}${path}`);
}

/**
 * OAuth2 client-credentials tokens of the OpenSky Network API, the only way it accepts
 * authenticated calls since March 2026 (TECH-NOTES 6, from openskynetwork/opensky-api
 * `docs/free/rest.rst`): a form POST of `grant_type=client_credentials`, `client_id` and
 * `client_secret` to the token URL gives a bearer token that lives 30 minutes (`expires_in`).
 * The token is kept and fetched again a margin before it expires, so that calls do not meet a
 * 401; after a 401 anyway, the caller drops it and asks once more. Neither the secret nor the
 * token is ever logged.
 */
import { UpstreamError } from '../errors.js';
import { loggerFor, type Logger } from '../logger.js';
import { parseJsonBody, type HttpClient } from './http-client.js';
import { redactUrl } from './http-url.js';

/** The token URL of OpenSky's Keycloak realm. */
export const OPENSKY_TOKEN_URL =
  'https://auth.opensky-network.org/auth/realms/opensky-network/protocol/openid-connect/token';

/** An API client of an OpenSky account (made on the account page of opensky-network.org). */
export interface OpenSkyCredentials {
  clientId: string;
  /** Never logged. */
  clientSecret: string;
}

/** Where tokens come from and when they are renewed. */
export interface OpenSkyTokenOptions {
  /** The token URL (default OPENSKY_TOKEN_URL). */
  tokenUrl?: string;
  /** Renew this long before the token expires (default 60000; half its life for short ones). */
  refreshMarginMs?: number;
  /** The clock, in epoch ms (default Date.now). */
  now?: () => number;
  /** Where renewals are logged (default the `sources` logger). */
  logger?: Logger;
}

/** The bearer tokens of one API client. */
export interface OpenSkyTokens {
  /**
   * The current token, fetched when there is none or it is about to expire. Calls made while a
   * fetch is under way share it.
   *
   * @param signal - stops the fetch
   * @returns the access token
   * @throws UpstreamAuthError when OpenSky refuses the client (401, 403);
   *   UpstreamRequestError on another 4xx; UpstreamError when the answer holds no token or the
   *   token URL cannot be reached
   */
  token(signal: AbortSignal): Promise<string>;
  /** Drops the current token, after the API refused it, so that the next call fetches anew. */
  invalidate(): void;
}

/** A token's life when the answer does not say (TECH-NOTES 6: 30 minutes). */
const DEFAULT_EXPIRES_IN_S = 1_800;
const DEFAULT_REFRESH_MARGIN_MS = 60_000;

const AUTH_HINT =
  'check the OpenSky client id and client secret ' +
  '(API clients are made on the account page of opensky-network.org)';

/**
 * Creates the token keeper of one OpenSky API client.
 *
 * @param credentials - the client id and secret
 * @param http - the HTTP calls of the source
 * @param opts - see OpenSkyTokenOptions
 * @returns the tokens, none fetched yet
 */
export function createOpenSkyTokens(
  credentials: OpenSkyCredentials,
  http: HttpClient,
  opts: OpenSkyTokenOptions = {},
): OpenSkyTokens {
  const tokenUrl = opts.tokenUrl ?? OPENSKY_TOKEN_URL;
  const marginMs = opts.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  const now = opts.now ?? Date.now;
  const log = opts.logger ?? loggerFor('sources');
  let current: { token: string; renewAtMs: number } | null = null;
  let pending: Promise<string> | null = null;

  async function fetchToken(signal: AbortSignal): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
    });
    const reply = await http.request(
      tokenUrl,
      {
        what: 'OpenSky token endpoint',
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form,
        authHint: AUTH_HINT,
        requestHint: AUTH_HINT,
      },
      signal,
    );

    const { token, expiresInS } = tokenOf(reply.body, tokenUrl);
    const lifeMs = expiresInS * 1000;
    const renewAtMs = now() + (lifeMs > 2 * marginMs ? lifeMs - marginMs : lifeMs / 2);
    current = { token, renewAtMs };
    log.info({ expiresInS }, 'opensky token fetched');
    return token;
  }

  return {
    token(signal) {
      if (current !== null && now() < current.renewAtMs) return Promise.resolve(current.token);
      pending ??= fetchToken(signal).finally(() => {
        pending = null;
      });
      return pending;
    },
    invalidate() {
      current = null;
    },
  };
}

/** Reads the token answer (RFC 6749, section 5.1): `access_token`, and `expires_in` seconds. */
function tokenOf(body: Uint8Array, tokenUrl: string): { token: string; expiresInS: number } {
  const parsed = parseJsonBody(body);
  const fields =
    typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const token = fields.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new UpstreamError(
      `the OpenSky token endpoint ${redactUrl(tokenUrl)} answered without an access_token`,
      { retriable: true },
    );
  }
  const expiresIn = fields.expires_in;
  const expiresInS =
    typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0
      ? expiresIn
      : DEFAULT_EXPIRES_IN_S;
  return { token, expiresInS };
}

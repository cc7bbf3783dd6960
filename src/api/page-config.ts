/**
 * What the page is told by `GET /api/config`: how often to refresh and which base map to draw.
 * It never carries a key (SPEC 6). An operator could still paste one into the base-map URL, so
 * the configuration is checked against the secrets in the environment when the server is built.
 */
import { DEFAULTS } from '../config.js';
import { UsageError } from '../errors.js';

/** The page's settings, exactly as `GET /api/config` serves them. */
export interface PageConfig {
  /** How often the page refreshes, in milliseconds (REFRESH_MS). */
  refreshMs: number;
  /** A Leaflet tile URL template; null draws no base map (the default: no internet needed). */
  tileUrl: string | null;
  /** Credit for the base map, shown by Leaflet. */
  attribution?: string;
}

/** Refresh every REFRESH_MS default, and no base map. */
export const DEFAULT_PAGE_CONFIG: PageConfig = { refreshMs: DEFAULTS.refreshMs, tileUrl: null };

// Environment variables whose values are secrets: MBTA_API_KEY, and any other *_KEY, *_TOKEN,
// *_SECRET or *_PASSWORD. Values shorter than 6 characters are too common to be told apart.
const SECRET_NAME = /(^|_)(KEY|TOKEN|SECRET|PASSWORD)$/i;
const SHORTEST_SECRET = 6;

/**
 * Checks the page configuration before it is served.
 *
 * @param config - the configuration to serve
 * @param env - the environment holding the secrets to look for (process.env by default)
 * @returns a copy holding only the served fields
 * @throws UsageError when refreshMs is not a positive whole number, or when a field contains the
 *   value of a secret variable (the message names the variable and the field, never the value)
 */
export function checkPageConfig(
  config: PageConfig,
  env: Record<string, string | undefined> = process.env,
): PageConfig {
  if (!Number.isSafeInteger(config.refreshMs) || config.refreshMs <= 0) {
    throw new UsageError(
      `the page's refreshMs must be a positive whole number, got ${config.refreshMs}`,
    );
  }
  const checked: PageConfig = { refreshMs: config.refreshMs, tileUrl: config.tileUrl };
  if (config.attribution !== undefined) checked.attribution = config.attribution;

  for (const [name, value] of Object.entries(env)) {
    if (!SECRET_NAME.test(name) || value === undefined || value.length < SHORTEST_SECRET) continue;
    for (const field of ['tileUrl', 'attribution'] as const) {
      if (checked[field]?.includes(value)) {
        throw new UsageError(
          `the page's ${field} contains the value of ${name}; keys never reach the page (SPEC 6)`,
        );
      }
    }
  }
  return checked;
}

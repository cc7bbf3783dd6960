/**
 * Times on the way out: every time the product prints or serves is ISO-8601 UTC with milliseconds
 * and `Z` (SPEC 4), such as `2025-10-04T10:22:05.000Z`.
 */

/** Formats epoch milliseconds as ISO-8601 UTC with milliseconds. */
export function msToIso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The filters of the map routes (SPEC 5) as SQL: a provider list and a bounding box. Each filter
 * shape gives one fixed SQL text with named parameters, so the store can prepare it once; the
 * provider list travels as one JSON parameter read by `json_each`, whatever its length.
 */
import { StoreError } from '../errors.js';
import type { MapQuery } from './store.js';

/** A piece of a WHERE clause with its named parameters. */
export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * The provider filter; none when the query names no provider.
 *
 * @param query - the map query
 * @returns a condition on the `provider` column, or null
 */
export function providerCondition(query: MapQuery): SqlCondition | null {
  const providers = query.providers;
  if (providers === undefined || providers.length === 0) return null;
  return {
    sql: 'provider IN (SELECT value FROM json_each(@providers))',
    params: { providers: JSON.stringify(providers) },
  };
}

/**
 * The bounding-box filter on a point's columns, edges included. A box whose west edge is east of
 * its east edge crosses the antimeridian (RFC 7946, section 5.2) and keeps both sides.
 *
 * @param query - the map query
 * @param lonColumn - the column of the point's longitude
 * @param latColumn - the column of the point's latitude
 * @returns a condition on the two columns, or null when the query has no box
 * @throws StoreError when the box holds a number that is not finite
 */
export function bboxCondition(
  query: MapQuery,
  lonColumn: string,
  latColumn: string,
): SqlCondition | null {
  const bbox = query.bbox;
  if (bbox === undefined) return null;
  if (bbox.length !== 4 || !bbox.every(Number.isFinite)) {
    throw new StoreError(`bbox must hold four finite numbers, got ${JSON.stringify(bbox)}`);
  }

  const [minLon, minLat, maxLon, maxLat] = bbox;
  const lon =
    minLon <= maxLon
      ? `${lonColumn} BETWEEN @minLon AND @maxLon`
      : `(${lonColumn} >= @minLon OR ${lonColumn} <= @maxLon)`;
  return {
    sql: `${lon} AND ${latColumn} BETWEEN @minLat AND @maxLat`,
    params: { minLon, minLat, maxLon, maxLat },
  };
}

/**
 * Joins conditions into a WHERE clause; absent conditions are skipped.
 *
 * @param conditions - conditions, or null for those a query does not use
 * @returns the clause (empty when there is no condition) and all parameters
 */
export function whereClause(...conditions: (SqlCondition | null)[]): SqlCondition {
  const present = conditions.filter((c): c is SqlCondition => c !== null);
  return {
    sql: present.length === 0 ? '' : `WHERE ${present.map((c) => c.sql).join(' AND ')}`,
    params: Object.assign({}, ...present.map((c) => c.params)) as Record<string, unknown>,
  };
}

/**
 * A condition with fixed SQL and its parameters, e.g. `window_start = @windowStart`.
 *
 * @param sql - the condition
 * @param params - its named parameters
 * @returns the condition
 */
export function condition(sql: string, params: Record<string, unknown> = {}): SqlCondition {
  return { sql, params };
}

/**
 * Checks a non-negative integer of a query, such as `limit`.
 *
 * @param name - the parameter's name, for the message
 * @param value - the value
 * @returns the value
 * @throws StoreError when it is not a non-negative safe integer
 */
export function validateCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreError(`${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/**
 * Checks a non-negative duration of a query, such as `minutes` or `maxAgeSec`.
 *
 * @param name - the parameter's name, for the message
 * @param value - the value
 * @returns the value
 * @throws StoreError when it is negative or not finite
 */
export function validateDuration(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new StoreError(`${name} must be a finite number of at least 0, got ${value}`);
  }
  return value;
}

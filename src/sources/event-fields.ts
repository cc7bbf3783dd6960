/**
 * Small field mappings that every normaliser of SPEC 2 shares: numbers that must stay finite,
 * strings that count only when not blank, Unix seconds turned into RFC 3339 strings, and the
 * rejected records of a source. Normalisers map faithfully and validate nothing: range checks,
 * (0, 0) and future times are the engine's (SPEC 1).
 */
import type { InputRecord } from '../event/position-event.js';
import { msToIso } from '../event/time-format.js';
import { valueText } from '../event/value-text.js';

/** The fields of one event as a normaliser builds it (a WirePositionEvent when the input is sound). */
export type EventFields = Record<string, unknown>;

/** Longest excerpt of a provider's input kept on a rejected record. */
export const EXCERPT_CHARS = 500;

/** The largest epoch time a JavaScript Date holds (ECMA-262, section 21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/**
 * Keeps a number only when it is finite, so that no event carries NaN or Infinity.
 *
 * @param value - any value read from a provider's input
 * @returns the number, or null when `value` is not a finite number
 */
export function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Maps an optional number of a provider (speed, bearing) to its event field. Absent and
 * non-finite values become null; a value of another type (a string) is passed on as it came, so
 * that the engine cleans it and counts the fix (SPEC 1) instead of the source hiding it.
 *
 * @param value - the provider's value
 * @param factor - a unit conversion, e.g. 3.6 from m/s to km/h
 * @returns the converted number, null, or the unconverted string or boolean
 */
export function optionalNumber(value: unknown, factor = 1): number | string | boolean | null {
  if (typeof value === 'number') return finiteOrNull(value * factor);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  return null;
}

/**
 * Tells whether a latitude or longitude counts as missing: null, absent or not finite
 * (SPEC 1 makes those `no_position`). A coordinate of another type is not missing: the engine
 * rejects it as `bad_field`.
 *
 * @param value - the provider's coordinate
 * @returns true when the vehicle has no position
 */
export function isMissingCoordinate(value: unknown): boolean {
  return (
    value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))
  );
}

/**
 * Keeps a string only when something is left after trimming: blank labels and route ids are
 * absent, not empty (Caltrain sends `label: ""`, OpenSky pads callsigns with spaces).
 *
 * @param value - any value read from a provider's input
 * @returns the trimmed string, or undefined when `value` is not a string or is blank
 */
export function nonBlank(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Reads an integer that may come as a number, a bigint (hyparquet's INT64), a decimal string
 * (protobuf's JSON mapping of uint64) or a Long object (protobufjs's uint64).
 *
 * @param value - the integer in any of those forms
 * @returns the value as a number, or null when it is absent or not an integer form
 */
export function integerOrNull(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return /^-?\d+$/.test(value) ? Number(value) : null;
  if (typeof value === 'object' && value !== null) {
    const long = value as { low?: unknown; high?: unknown; unsigned?: unknown; toNumber?: unknown };
    if (typeof long.toNumber === 'function') return (long.toNumber as () => number).call(value);
    if (typeof long.low === 'number' && typeof long.high === 'number') {
      const high = long.unsigned === false ? long.high | 0 : long.high >>> 0;
      return high * 2 ** 32 + (long.low >>> 0);
    }
  }
  return null;
}

/**
 * Turns Unix seconds into the RFC 3339 `ts` of an event, in UTC with milliseconds.
 *
 * @param seconds - Unix time in seconds
 * @returns the time as a string; the number itself when no date can hold it, so that the
 *   engine rejects it as `bad_timestamp` rather than the source hiding it
 */
export function tsFromUnixSeconds(seconds: number): string | number {
  const ms = seconds * 1000;
  return Math.abs(ms) <= MAX_DATE_MS ? msToIso(ms) : seconds;
}

/**
 * Cuts a provider's input to a short excerpt for a rejected record.
 *
 * @param value - the offending piece of input: a string, or anything JSON can render
 * @returns at most EXCERPT_CHARS characters
 */
export function excerpt(value: unknown): string {
  return valueText(value, EXCERPT_CHARS, false);
}

/**
 * Builds the record of a vehicle or aircraft that has no position or no position time
 * (SPEC 1, `no_position`).
 *
 * @param detail - which vehicle, and what is missing
 * @param raw - the vehicle's part of the input
 * @returns a rejected input record with a short excerpt
 */
export function noPosition(detail: string, raw: unknown): InputRecord {
  return { kind: 'rejected', reason: 'no_position', detail, raw: excerpt(raw) };
}

/**
 * Wraps the fields a normaliser built as an input record for the engine's validation.
 *
 * @param fields - the event's fields, JSON-safe
 * @returns an `event` input record
 */
export function eventRecord(fields: EventFields): InputRecord {
  return { kind: 'event', event: fields };
}

/**
 * Names a vehicle in a rejection detail, whatever its id looks like.
 *
 * @param id - the provider's id of the vehicle, perhaps absent or not a string
 * @returns a short printable name
 */
export function nameOf(id: unknown): string {
  if (typeof id === 'string' && id !== '') return JSON.stringify(id);
  if (typeof id === 'number') return String(id);
  return '(no id)';
}

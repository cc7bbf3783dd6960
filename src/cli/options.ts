/**
 * Option parsers shared by the commands: each checks one flag and names it when the value is
 * bad, so that commander reports a usage error (exit code 2).
 */
import { InvalidArgumentError } from 'commander';
import { parseIntSetting } from '../config.js';
import { isProviderName } from '../event/validate-event.js';
import { rfc3339ToMs } from '../event/rfc3339.js';

/** A parser of integers within a range, for commander's `argParser`. */
export function intInRange(min: number, max: number): (value: string) => number {
  return (value) => {
    try {
      return parseIntSetting('the value', value, min, max);
    } catch {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}".`);
    }
  };
}

/** A parser of positive numbers (such as a speed factor). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got "${value}".`);
  }
  return n;
}

/** A parser of RFC 3339 times, to epoch ms. */
export function isoTime(value: string): number {
  const ms = rfc3339ToMs(value);
  if (ms === null) {
    throw new InvalidArgumentError(
      `expected an RFC 3339 time such as 2025-10-04T10:22:05Z, got "${value}".`,
    );
  }
  return ms;
}

/** A parser of GTFS-RT feed names: `gtfsrt.<feed>` must be a valid provider name (SPEC 1). */
export function feedName(value: string): string {
  if (value === '' || !isProviderName(`gtfsrt.${value}`)) {
    throw new InvalidArgumentError(
      `expected a feed name of lowercase letters, digits, '.', '_' or '-' (at most 41), got "${value}".`,
    );
  }
  return value;
}

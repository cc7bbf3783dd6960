/**
 * The position event of SPEC 1: the one message that flows from sources through the log to an
 * engine, and the records an engine is fed with. Validation lives in validate-event.ts.
 */

/** Reasons a record is rejected, in the order the checks run (SPEC 1). */
export const REJECT_REASONS = [
  'too_large',
  'bad_json',
  'missing_field',
  'bad_field',
  'bad_coordinates',
  'null_island',
  'bad_timestamp',
  'future_timestamp',
  'no_position',
  'decode_error',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** Optional fields that are repaired to null, rather than costing the position, when they break their rule. */
export const CLEANABLE_FIELDS = [
  'speedKmh',
  'bearing',
  'accuracyM',
  'altitudeM',
  'onGround',
  'label',
  'routeId',
  'mode',
] as const;

export type CleanableField = (typeof CLEANABLE_FIELDS)[number];

/** Extension fields kept on the latest position when present (SPEC 1). */
export interface PositionExtensions {
  altitudeM?: number;
  onGround?: boolean;
  label?: string;
  routeId?: string;
  mode?: string;
}

/** A position event that passed validation; `tsMs` is the UTC time in epoch milliseconds. */
export interface PositionEvent extends PositionExtensions {
  provider: string;
  vehicleId: string;
  lat: number;
  lon: number;
  tsMs: number;
  speedKmh: number | null;
  bearing: number | null;
  accuracyM: number | null;
}

/**
 * A position event as it travels on the log: `ts` is an RFC 3339 string. Sources build these;
 * they never contain non-finite numbers, so a JSON round trip loses nothing.
 */
export interface WirePositionEvent extends PositionExtensions {
  provider: string;
  vehicleId: string;
  lat: number;
  lon: number;
  ts: string;
  speedKmh?: number | null;
  bearing?: number | null;
  accuracyM?: number | null;
}

/**
 * One input record of an engine.
 * - `raw`: a message read from the log (a string or bytes), to be parsed and validated.
 * - `event`: an object built by a source's normaliser, to be validated (skips size and JSON checks).
 * - `rejected`: a record a source could not turn into an event (`no_position`, `decode_error`);
 *   the engine counts it and keeps it as a dead letter.
 */
export type InputRecord =
  | { kind: 'raw'; value: string | Uint8Array }
  | { kind: 'event'; event: Record<string, unknown> }
  | { kind: 'rejected'; reason: RejectReason; detail: string; raw?: string };

/** A rejected record, kept with its reason in the dead-letter place. */
export interface DeadLetter {
  reason: RejectReason;
  detail: string;
  /** The message as received, cut to 64 KiB; for source rejections, a short excerpt. */
  raw: string;
  provider?: string;
}

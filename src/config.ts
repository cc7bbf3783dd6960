/**
 * Settings of SPEC 6: the original design's environment variables with their names and
 * defaults. Command-line flags override them; every value is checked here, once, so that a bad
 * one stops the program with a message that names it.
 */
import { UsageError } from './errors.js';

export interface EngineSettings {
  /** H3 resolution, 0..15 (H3_RES, default 8). */
  res: number;
  /** Tumbling window length in minutes (TILE_MINUTES, default 5). */
  tileMinutes: number;
  /** Watermark delay in seconds (WATERMARK_SECONDS, default 600). */
  watermarkSeconds: number;
  /** Tiles become stale this long after their window ends (TTL_MINUTES, default 45). */
  ttlMinutes: number;
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  res: 8,
  tileMinutes: 5,
  watermarkSeconds: 600,
  ttlMinutes: 45,
};

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 5000,
  refreshMs: 5000,
  kafkaBootstrap: 'localhost:9092',
  kafkaTopic: 'mobility.positions.v1',
  mongoUri: 'mongodb://127.0.0.1:27017',
  mongoDb: 'mobility',
  dbFile: '.data/mobility-heatmap.sqlite',
} as const;

/** Allowed ranges of the integer settings, shared by environment variables and flags. */
export const SETTING_RANGES = {
  res: [0, 15],
  tileMinutes: [1, 1440],
  watermarkSeconds: [0, 86_400 * 30],
  ttlMinutes: [1, 525_600],
  refreshMs: [250, 3_600_000],
  port: [0, 65_535],
} as const satisfies Record<string, readonly [number, number]>;

/** Parses an integer setting and checks its range; `name` is the flag or variable it came from. */
export function parseIntSetting(name: string, raw: string, min: number, max: number): number {
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Reads an integer from the environment, or the default when unset or empty. */
export function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : parseIntSetting(name, raw, min, max);
}

/** Engine settings from the environment (SPEC 6), before flags override them. */
export function engineSettingsFromEnv(): EngineSettings {
  return {
    res: intFromEnv('H3_RES', DEFAULT_ENGINE_SETTINGS.res, ...SETTING_RANGES.res),
    tileMinutes: intFromEnv(
      'TILE_MINUTES',
      DEFAULT_ENGINE_SETTINGS.tileMinutes,
      ...SETTING_RANGES.tileMinutes,
    ),
    watermarkSeconds: intFromEnv(
      'WATERMARK_SECONDS',
      DEFAULT_ENGINE_SETTINGS.watermarkSeconds,
      ...SETTING_RANGES.watermarkSeconds,
    ),
    ttlMinutes: intFromEnv(
      'TTL_MINUTES',
      DEFAULT_ENGINE_SETTINGS.ttlMinutes,
      ...SETTING_RANGES.ttlMinutes,
    ),
  };
}

/** The refresh period of the page in milliseconds (REFRESH_MS, default 5000). */
export function refreshMsFromEnv(): number {
  return intFromEnv('REFRESH_MS', DEFAULTS.refreshMs, ...SETTING_RANGES.refreshMs);
}

/** The folder of recordings: RECORDINGS_DIR, or undefined when unset. */
export function recordingsDirFromEnv(): string | undefined {
  const dir = process.env.RECORDINGS_DIR;
  return dir === undefined || dir === '' ? undefined : dir;
}

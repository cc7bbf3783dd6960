/**
 * The engine-setting flags shared by `demo`, `engine` and `aggregate`: each defaults to its
 * environment variable (SPEC 6) and is checked when parsed.
 */
import type { Command } from 'commander';
import { engineSettingsFromEnv, type EngineSettings, SETTING_RANGES } from '../config.js';
import { intInRange } from './options.js';

/** Adds --res, --tile-minutes, --watermark-seconds and --ttl-minutes to a command. */
export function addEngineSettingOptions(command: Command): Command {
  const env = engineSettingsFromEnv();
  return command
    .option('--res <n>', 'H3 resolution (env H3_RES)', intInRange(...SETTING_RANGES.res), env.res)
    .option(
      '--tile-minutes <n>',
      'window length in minutes (env TILE_MINUTES)',
      intInRange(...SETTING_RANGES.tileMinutes),
      env.tileMinutes,
    )
    .option(
      '--watermark-seconds <n>',
      'watermark delay in seconds (env WATERMARK_SECONDS)',
      intInRange(...SETTING_RANGES.watermarkSeconds),
      env.watermarkSeconds,
    )
    .option(
      '--ttl-minutes <n>',
      'tiles are stale this long after their window (env TTL_MINUTES)',
      intInRange(...SETTING_RANGES.ttlMinutes),
      env.ttlMinutes,
    );
}

/** The engine settings from parsed options of addEngineSettingOptions. */
export function engineSettingsOf(opts: Record<string, unknown>): EngineSettings {
  return {
    res: opts.res as number,
    tileMinutes: opts.tileMinutes as number,
    watermarkSeconds: opts.watermarkSeconds as number,
    ttlMinutes: opts.ttlMinutes as number,
  };
}

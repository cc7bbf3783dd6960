/**
 * Structured JSON logs (pino), one child logger per part of the pipeline. The level comes from
 * LOG_LEVEL (default info); a part's own level from LOG_LEVEL_<PART>, e.g. LOG_LEVEL_ENGINE=debug.
 * Logs go to standard error, so that commands such as `aggregate` keep standard output for data.
 */
import { pino, type Logger } from 'pino';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** A level from the environment, or the fallback when unset or not one of pino's levels. */
function levelFrom(name: string, fallback: string | undefined): string | undefined {
  const value = process.env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (LEVELS.has(value)) return value;
  process.stderr.write(
    `mobility-heatmap: ${name}="${process.env[name]}" is not a log level (${[...LEVELS].join(', ')}); using ${fallback ?? 'the default'}\n`,
  );
  return fallback;
}

const root: Logger = pino(
  {
    level: levelFrom('LOG_LEVEL', 'info'),
    base: { app: 'mobility-heatmap' },
    // Secrets never reach a log line, even when a caller passes a whole options object.
    redact: {
      paths: [
        'apiKey',
        '*.apiKey',
        'token',
        '*.token',
        'password',
        '*.password',
        'headers.authorization',
        'headers["x-api-key"]',
      ],
      censor: '[redacted]',
    },
  },
  pino.destination({ fd: 2, sync: false }),
);

/** The logger of one part (`engine`, `store`, `api`, `sources`, `log`, `cli`). */
export function loggerFor(part: string): Logger {
  const level = levelFrom(`LOG_LEVEL_${part.toUpperCase()}`, undefined);
  return root.child({ part }, level ? { level } : undefined);
}

export type { Logger };

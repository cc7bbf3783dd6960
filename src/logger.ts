/**
 * Structured JSON logs (pino), one child logger per part of the pipeline. The level comes from
 * LOG_LEVEL (default info); a part's own level from LOG_LEVEL_<PART>, e.g. LOG_LEVEL_ENGINE=debug.
 * Logs go to standard error, so that commands such as `aggregate` keep standard output for data.
 */
import { pino, type Logger } from 'pino';

const root: Logger = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
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
  const level = process.env[`LOG_LEVEL_${part.toUpperCase()}`];
  return root.child({ part }, level ? { level } : undefined);
}

export type { Logger };

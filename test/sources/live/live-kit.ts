/**
 * What the live sources' tests share: a pino logger that keeps its lines in memory (at debug, so
 * that a secret in any line would be seen), a sleep that only notes how long it was asked to
 * wait, a fake clock, the options that plug them into a source, and a sink that keeps every
 * append.
 */
import { pino, type Logger } from 'pino';

import type { LogEntry } from '../../../src/log/event-log.js';
import type { Sleep, Source, SourceSink } from '../../../src/sources/source.js';

/** A logger whose JSON lines are kept. */
export interface CapturedLog {
  logger: Logger;
  /** Every line so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Every line so far, as written. */
  text(): string;
}

/** Creates a debug-level logger that writes to memory. */
export function captureLog(): CapturedLog {
  const written: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => written.push(line) });
  return {
    logger,
    lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => written.join(''),
  };
}

/** A fake clock and a sleep that moves it on at once, noting each wait. */
export interface FakeTime {
  now: () => number;
  sleep: Sleep;
  /** The waits asked for, in ms, in order. */
  sleeps: number[];
  /** Moves the clock on. */
  advance(ms: number): void;
}

/** Creates a fake clock starting at `startMs`. */
export function fakeTime(startMs = Date.parse('2025-10-04T10:00:00Z')): FakeTime {
  let clock = startMs;
  const sleeps: number[] = [];
  return {
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += Math.max(0, ms);
    },
    sleeps,
    advance: (ms) => {
      clock += ms;
    },
  };
}

/** A sink that keeps every append, and may stop the source after some of them. */
export interface KeptAppends {
  sink: SourceSink;
  appends: LogEntry[][];
  /** Every entry of every append, in order. */
  entries(): LogEntry[];
  /** The parsed values of the event entries, in order. */
  events(): Record<string, unknown>[];
}

/** Creates a sink that keeps appends; `onAppend` runs after each (to abort, say). */
export function keepAppends(onAppend?: (count: number) => void): KeptAppends {
  const appends: LogEntry[][] = [];
  return {
    sink: async (entries) => {
      appends.push(entries);
      onAppend?.(appends.length);
    },
    appends,
    entries: () => appends.flat(),
    events: () =>
      appends
        .flat()
        .filter((entry) => entry.reject === undefined)
        .map((entry) => JSON.parse(entry.value) as Record<string, unknown>),
  };
}

/** The test doubles of one live source or HTTP client, and the options that plug them in. */
export interface LiveDoubles {
  time: FakeTime;
  log: CapturedLog;
  /** `sleep` and `now` of `time`, a jitter fixed at 0.5, and the captured logger. */
  options: { sleep: Sleep; now: () => number; random: () => number; logger: Logger };
}

/** Creates a fake clock starting at `startMs` (fakeTime's default when omitted) and a log. */
export function liveDoubles(startMs?: number): LiveDoubles {
  const time = fakeTime(startMs);
  const log = captureLog();
  return {
    time,
    log,
    options: { sleep: time.sleep, now: time.now, random: () => 0.5, logger: log.logger },
  };
}

/** Runs a source until it ends by itself (never aborted), keeping every append. */
export async function runToEnd(live: Source): Promise<KeptAppends> {
  const kept = keepAppends();
  await live.run(kept.sink, new AbortController().signal);
  return kept;
}

/**
 * `stack --engine spark`: the PySpark job of spark/heatmap_stream.py as a child process, in place
 * of the TypeScript engine. It reads the stack's topic and writes the MongoDB store that the
 * stack's API serves (the job writes no SQLite), and is stopped with the rest on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EngineSettings } from '../config.js';
import { UsageError } from '../errors.js';
import { loggerFor } from '../logger.js';

/** The engines `stack` can run. */
export const ENGINE_KINDS = ['ts', 'spark'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

/** The spark/ folder of a checkout (dist/src/cli is three folders below the repository root). */
export const SPARK_DIR = fileURLToPath(new URL('../../../spark/', import.meta.url));

/** How long the job has to stop after SIGTERM (it stops its queries first) before SIGKILL. */
const STOP_GRACE_MS = 30_000;

const log = loggerFor('cli').child({ engine: 'spark' });

/** What the job is started with. */
export interface SparkJobOptions {
  kafkaBootstrap: string;
  kafkaTopic: string;
  mongoUri: string;
  mongoDb: string;
  settings: EngineSettings;
  /** The stack's micro-batch trigger; the job's is in whole seconds (at least 1). */
  triggerMs: number;
  /** The job's checkpoint folder. */
  checkpoint: string;
  /** The spark/ folder holding heatmap_stream.py and .venv (SPARK_DIR by default). */
  sparkDir?: string;
}

/** A running job. */
export interface RunningSparkJob {
  /** Resolves when the job has exited after stop(); rejects when it exits by itself. */
  done: Promise<void>;
  stop(): void;
}

/**
 * The job's checkpoint folder when `stack` is given none: one per database and topic, so that a
 * stack on another --mongo-db or --kafka-topic does not resume from offsets another database
 * was fed from (its new database would miss everything before them).
 *
 * @param mongoDb - the database the job writes
 * @param topic - the topic it reads
 * @returns `.data/stack-spark-checkpoint/<mongoDb>.<topic>`
 */
export function defaultSparkCheckpoint(mongoDb: string, topic: string): string {
  return `.data/stack-spark-checkpoint/${mongoDb}.${topic}`;
}

/**
 * Checks that the chosen engine and store go together: the job writes MongoDB only.
 *
 * @param engine - the value of --engine
 * @param store - the value of --store
 * @throws UsageError when --engine spark is given without --store mongo
 */
export function validateEngineChoice(engine: EngineKind, store: string): void {
  if (engine === 'spark' && store !== 'mongo') {
    throw new UsageError(
      `--engine spark writes MongoDB only: add --store mongo (and --mongo-uri, or MONGO_URI; e.g. make ferretdb), or use --engine ts with --store ${store}`,
    );
  }
}

/**
 * The job's command line, checked before anything starts.
 *
 * @param opts - see SparkJobOptions
 * @returns the venv's Python, its arguments, and the variables added to its environment (the
 *   MongoDB URI travels as MONGO_URI, never as an argument that `ps` shows with its password)
 * @throws UsageError when spark/.venv or the job file is missing
 */
export function sparkJobCommand(opts: SparkJobOptions): {
  command: string;
  args: string[];
  env: Record<string, string>;
} {
  const dir = opts.sparkDir ?? SPARK_DIR;
  const python = `${dir}.venv/bin/python`;
  const job = `${dir}heatmap_stream.py`;
  if (!existsSync(job)) {
    throw new UsageError(`--engine spark: no job at ${job}: run from a checkout`);
  }
  if (!existsSync(python)) {
    throw new UsageError(
      `--engine spark: no Python environment at ${dir}.venv: run make spark-setup (once, with network access) and try again`,
    );
  }
  const s = opts.settings;
  return {
    command: python,
    args: [
      job,
      'stream',
      '--bootstrap',
      opts.kafkaBootstrap,
      '--topic',
      opts.kafkaTopic,
      '--mongo-db',
      opts.mongoDb,
      '--res',
      String(s.res),
      '--tile-minutes',
      String(s.tileMinutes),
      '--watermark-seconds',
      String(s.watermarkSeconds),
      '--ttl-minutes',
      String(s.ttlMinutes),
      '--trigger-seconds',
      String(Math.max(1, Math.round(opts.triggerMs / 1000))),
      '--checkpoint',
      opts.checkpoint,
    ],
    env: { MONGO_URI: opts.mongoUri },
  };
}

/**
 * Starts the job; its JSON log lines go to this process's standard error.
 *
 * @param opts - see SparkJobOptions
 * @param signal - aborting it stops the job (SIGTERM, then SIGKILL after 30 s)
 * @returns the running job
 * @throws UsageError when spark/.venv or the job file is missing
 */
export function startSparkJob(opts: SparkJobOptions, signal: AbortSignal): RunningSparkJob {
  const { command, args, env } = sparkJobCommand(opts);
  const child = spawn(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env },
  });
  log.info({ pid: child.pid, checkpoint: opts.checkpoint }, 'spark job started');
  let stopping = false;
  let killTimer: NodeJS.Timeout | undefined;

  const stop = (): void => {
    if (stopping || child.exitCode !== null) return;
    stopping = true;
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    killTimer.unref();
  };
  signal.addEventListener('abort', stop, { once: true });

  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, sig) => {
      clearTimeout(killTimer);
      signal.removeEventListener('abort', stop);
      log.info({ code, signal: sig }, 'spark job stopped');
      if (stopping) resolve();
      else reject(new Error(`the spark job exited by itself (code ${code}, signal ${sig})`));
    });
  });
  return { done, stop };
}

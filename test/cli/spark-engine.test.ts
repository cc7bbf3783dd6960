import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../src/config.js';
import { UsageError } from '../../src/errors.js';
import {
  defaultSparkCheckpoint,
  sparkJobCommand,
  validateEngineChoice,
  type SparkJobOptions,
} from '../../src/cli/spark-engine.js';
import { stackCommand } from '../../src/cli/stack-command.js';

const folders: string[] = [];

/** A spark/ folder with the job file, and with a venv's python when asked. */
function sparkFolder(withVenv: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'mh-spark-'));
  folders.push(dir);
  writeFileSync(join(dir, 'heatmap_stream.py'), '');
  if (withVenv) {
    mkdirSync(join(dir, '.venv', 'bin'), { recursive: true });
    writeFileSync(join(dir, '.venv', 'bin', 'python'), '');
  }
  return `${dir}/`;
}

function jobOptions(sparkDir: string): SparkJobOptions {
  return {
    kafkaBootstrap: '127.0.0.1:9092',
    kafkaTopic: 'mobility.positions.v1',
    mongoUri: 'mongodb://127.0.0.1:27017',
    mongoDb: 'mobility',
    settings: DEFAULT_ENGINE_SETTINGS,
    triggerMs: 1000,
    checkpoint: '.data/stack-spark-checkpoint',
    sparkDir,
  };
}

afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('defaultSparkCheckpoint', () => {
  it('gives each database and topic a checkpoint of its own', () => {
    const folders = [
      defaultSparkCheckpoint('mobility', 'mobility.positions.v1'),
      defaultSparkCheckpoint('trial', 'mobility.positions.v1'),
      defaultSparkCheckpoint('mobility', 'other'),
    ];
    expect(new Set(folders).size).toBe(3);
    expect(folders[0]).toBe('.data/stack-spark-checkpoint/mobility.mobility.positions.v1');
  });
});

describe('validateEngineChoice', () => {
  it('refuses --engine spark without --store mongo, naming the flag to add', () => {
    expect(() => validateEngineChoice('spark', 'sqlite')).toThrow(UsageError);
    expect(() => validateEngineChoice('spark', 'sqlite')).toThrow(/--store mongo/);
  });

  it('accepts --engine spark with --store mongo, and the TypeScript engine with either', () => {
    expect(() => validateEngineChoice('spark', 'mongo')).not.toThrow();
    expect(() => validateEngineChoice('ts', 'sqlite')).not.toThrow();
    expect(() => validateEngineChoice('ts', 'mongo')).not.toThrow();
  });
});

describe('sparkJobCommand', () => {
  it('says to run make spark-setup when spark/.venv is missing', () => {
    const options = jobOptions(sparkFolder(false));
    expect(() => sparkJobCommand(options)).toThrow(UsageError);
    expect(() => sparkJobCommand(options)).toThrow(/make spark-setup/);
  });

  it("runs the job's stream mode with the venv's Python and the stack's settings", () => {
    const dir = sparkFolder(true);
    const { command, args } = sparkJobCommand({ ...jobOptions(dir), triggerMs: 2500 });
    expect(command).toBe(`${dir}.venv/bin/python`);
    expect(args.slice(0, 2)).toEqual([`${dir}heatmap_stream.py`, 'stream']);
    expect(args).toEqual(expect.arrayContaining(['--topic', 'mobility.positions.v1']));
    expect(args[args.indexOf('--mongo-db') + 1]).toBe('mobility');
    expect(args[args.indexOf('--trigger-seconds') + 1]).toBe('3');
  });

  it('passes the MongoDB URI in the environment, not on the command line', () => {
    const { args, env } = sparkJobCommand(jobOptions(sparkFolder(true)));
    expect(env.MONGO_URI).toBe('mongodb://127.0.0.1:27017');
    expect(args.join(' ')).not.toContain('mongodb://');
  });
});

describe('stack --engine spark', () => {
  it('stops with a UsageError before starting anything when the store is SQLite', async () => {
    const run = stackCommand().parseAsync(['--engine', 'spark', '--no-broker'], { from: 'user' });
    await expect(run).rejects.toThrow(/--engine spark writes MongoDB only/);
  });

  it('rejects an engine it does not know', async () => {
    const command = stackCommand()
      .exitOverride()
      .configureOutput({ writeErr: () => {} });
    await expect(
      command.parseAsync(['--engine', 'flink', '--no-broker'], { from: 'user' }),
    ).rejects.toThrow(/flink/);
  });
});

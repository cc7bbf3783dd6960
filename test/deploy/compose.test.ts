/**
 * The compose file for users with Docker cannot run on these machines (no Docker engine); this
 * checks what can be checked without one: it parses, pins every image, runs MongoDB as a replica
 * set, and starts only commands and flags that the CLI has.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { aggregateCommand } from '../../src/cli/aggregate-command.js';
import { extraCommands } from '../../src/cli/commands.js';
import { REPO_ROOT } from '../support/recordings.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'deploy/compose.yaml'), 'utf8')) as {
  services: Record<string, Service>;
};
const commands = new Map<string, Command>(
  [aggregateCommand(), ...extraCommands()].map((c) => [c.name(), c]),
);

/** The flags a command knows, long forms. */
function flagsOf(command: Command): Set<string> {
  return new Set(command.options.map((o) => o.long).filter((f): f is string => f !== undefined));
}

describe('deploy/compose.yaml', () => {
  it('has the broker, the database, a producer, the engine and the API', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'engine', 'kafka', 'mongo', 'producer'].sort(),
    );
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image === undefined) {
        expect(service.build?.dockerfile, name).toBe('deploy/Dockerfile');
        continue;
      }
      expect(service.image, name).toMatch(/^[a-z/]+:\d+\.\d+\.\d+$/);
    }
  });

  it('runs MongoDB as a replica set, so that change streams work, and points the parts at it', () => {
    expect(compose.services.mongo!.command).toEqual(expect.arrayContaining(['--replSet']));
    for (const name of ['engine', 'api']) {
      expect(compose.services[name]!.environment!.MONGO_URI, name).toMatch(/replicaSet=rs0/);
    }
    expect(compose.services.engine!.environment!.KAFKA_BOOTSTRAP).toBe('kafka:9092');
  });

  it('starts only commands and flags the CLI has', () => {
    for (const name of ['engine', 'api']) {
      const [command, ...args] = compose.services[name]!.command!;
      const known = commands.get(command!);
      expect(known, `${name}: ${command}`).toBeDefined();
      const flags = flagsOf(known!);
      for (const arg of args.filter((a) => a.startsWith('--'))) {
        expect(flags.has(arg), `${name}: ${command} ${arg}`).toBe(true);
      }
    }
    const script = compose.services.producer!.entrypoint!.join(' ');
    for (const [, command, flags] of script.matchAll(/main\.js (\w+) ([^;]*)/g)) {
      const known = commands.get(command!);
      expect(known, command).toBeDefined();
      for (const flag of flags!.match(/--[a-z-]+/g) ?? []) {
        expect(flagsOf(known!).has(flag), `producer: ${command} ${flag}`).toBe(true);
      }
    }
  });
});

/**
 * Runs the built command line (`make build` first; `make test` does it) and collects its output.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/recordings.js';

export const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');

if (!existsSync(CLI)) {
  throw new Error(
    `${CLI} is missing: run "make build" (or "npm run build") before the integration tests`,
  );
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mobility-heatmap <args>` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

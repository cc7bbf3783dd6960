/**
 * The MongoDB-wire server of the integration tests. `make test` starts FerretDB with
 * scripts/ferretdb.sh on its own port and folder and names it in MONGO_TEST_URI; without it the
 * MongoDB tests are skipped, and say how to run them.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './recordings.js';

/** URI of the test server, or undefined when none was started. */
export const MONGO_TEST_URI = process.env.MONGO_TEST_URI || undefined;

/** Why the MongoDB tests are skipped, for their titles. */
export const MONGO_SKIP_NOTE =
  'skipped when MONGO_TEST_URI is unset: make test starts FerretDB and sets it';

let databases = 0;

/**
 * A database name no other test uses, so each case starts from an empty store.
 *
 * @param what - a short word, for the server's listing
 * @returns the name (MongoDB allows at most 63 characters, no dots)
 */
export function freshDatabase(what: string): string {
  databases += 1;
  return `t_${what}_${process.pid}_${Date.now().toString(36)}_${databases}`.slice(0, 63);
}

/**
 * Runs scripts/ferretdb.sh on the test server (its port and data folder come from the
 * environment `make test` set), to kill or start it in the middle of a test.
 *
 * @param command - start, stop, kill or status
 * @throws when the script fails
 */
export function testMongoServer(command: 'start' | 'stop' | 'kill' | 'status'): void {
  const run = spawnSync('bash', [join(REPO_ROOT, 'scripts/ferretdb.sh'), command], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: process.env,
  });
  if (run.status !== 0) {
    throw new Error(`ferretdb.sh ${command} failed (${run.status}): ${run.stderr}`);
  }
}

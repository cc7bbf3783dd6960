/**
 * The local broker of the integration tests. `make test` starts one with
 * scripts/kafka-broker.sh on its own port and data folder and names it in KAFKA_TEST_BOOTSTRAP;
 * without it the Kafka tests are skipped, and say how to run them.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './recordings.js';

/** `host:port` of the test broker, or undefined when none was started. */
export const KAFKA_TEST_BOOTSTRAP = process.env.KAFKA_TEST_BOOTSTRAP || undefined;

/** Why the Kafka tests are skipped, for their titles. */
export const KAFKA_SKIP_NOTE =
  'skipped when KAFKA_TEST_BOOTSTRAP is unset: make test starts a broker and sets it';

let topics = 0;

/**
 * A topic name no other test uses, so each case starts from an empty topic.
 *
 * @param what - a short word for the broker's logs
 * @returns the name
 */
export function freshTopic(what: string): string {
  topics += 1;
  return `test.${what}.${process.pid}.${Date.now().toString(36)}.${topics}`;
}

/**
 * Runs scripts/kafka-broker.sh on the test broker (its port and data folder come from the
 * environment `make test` set), to stop, kill or start it in the middle of a test.
 *
 * @param command - start, stop, kill or status
 * @throws when the script fails
 */
export function testBroker(command: 'start' | 'stop' | 'kill' | 'status'): void {
  const run = spawnSync('bash', [join(REPO_ROOT, 'scripts/kafka-broker.sh'), command], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: process.env,
  });
  if (run.status !== 0) {
    throw new Error(`kafka-broker.sh ${command} failed (${run.status}): ${run.stderr}`);
  }
}

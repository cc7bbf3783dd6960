/**
 * `mobility-heatmap stack` beside a broker that already runs: it uses that broker, serves the
 * map from it, and on Ctrl-C leaves it running (it once stopped a broker it had not started,
 * under the feet of whatever else was using it).
 *
 * Needs the broker `make test` starts with scripts/kafka-broker.sh (KAFKA_PORT and
 * KAFKA_DATA_DIR name it, as they name it to `stack`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  freshTopic,
  KAFKA_SKIP_NOTE,
  KAFKA_TEST_BOOTSTRAP,
  testBroker,
} from '../../support/kafka.js';
import { freePort } from '../../support/ports.js';
import { REPO_ROOT } from '../../support/recordings.js';
import { CLI } from '../cli-support.js';

const dir = mkdtempSync(join(tmpdir(), 'mh-stack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(KAFKA_TEST_BOOTSTRAP === undefined)(
  `stack on a running broker (${KAFKA_SKIP_NOTE})`,
  () => {
    it('uses the running broker, serves positions from it, and leaves it running on Ctrl-C', async () => {
      const port = await freePort();
      const args = [CLI, 'stack', '--source', 'sim', '--vehicles', '20', '--port', String(port)];
      args.push('--kafka-bootstrap', KAFKA_TEST_BOOTSTRAP!, '--kafka-topic', freshTopic('stack'));
      args.push('--db', join(dir, 'stack.sqlite'), '--trigger-ms', '200');
      const child = spawn(process.execPath, args, {
        cwd: REPO_ROOT,
        env: { ...process.env, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code)),
      );
      try {
        // Stage: the map's vehicles come through the topic of the broker that was running.
        const deadline = Date.now() + 60_000;
        let vehicles = 0;
        while (vehicles === 0) {
          expect(child.exitCode, stderr).toBeNull();
          expect(Date.now(), `no vehicle on the map in 60 s: ${stderr.slice(-2000)}`).toBeLessThan(
            deadline,
          );
          await new Promise((r) => setTimeout(r, 250));
          const answer = await fetch(`http://127.0.0.1:${port}/api/positions/latest`).catch(
            () => undefined,
          );
          if (answer?.ok)
            vehicles = ((await answer.json()) as { features: unknown[] }).features.length;
        }
        expect(stderr).toContain('local broker reused');
      } finally {
        child.kill('SIGINT');
      }
      expect(await exited, stderr).toBe(0);
      expect(stderr).not.toContain('"command":"stop"');
      // Stage: the broker still answers (status exits 0 only when it runs).
      expect(() => testBroker('status')).not.toThrow();
    }, 90_000);
  },
);

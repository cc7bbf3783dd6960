/**
 * The EventLog contract on the embedded log, each case on a fresh SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openEmbeddedLog } from '../../src/log/embedded-log.js';
import { describeEventLogContract } from './event-log-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'mh-log-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describeEventLogContract('embedded log', async () => {
  files += 1;
  const file = join(dir, `log-${files}.sqlite`);
  return { log: openEmbeddedLog(file), reopen: async () => openEmbeddedLog(file) };
});

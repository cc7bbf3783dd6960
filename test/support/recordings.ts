/**
 * Where the shared recordings are: RECORDINGS_DIR, else ../shared/data/recordings beside the
 * repository. They are never copied into the repository (their licences differ from ours).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const RECORDINGS_DIR =
  process.env.RECORDINGS_DIR || resolve(REPO_ROOT, '../shared/data/recordings');

/** True when the recordings folder is there; tests that need it are skipped, saying why, when not. */
export const HAVE_RECORDINGS = existsSync(join(RECORDINGS_DIR, 'PROVENANCE.md'));

/** Absolute path of a recording, e.g. `recording('opensky/2021-03-07T090650Z_...json')`. */
export function recording(relativePath: string): string {
  return join(RECORDINGS_DIR, relativePath);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without type declarations
import { FIXTURES } from '../../scripts/write-conformance-fixtures.mjs';
import { REPO_ROOT } from '../support/recordings.js';

describe('conformance binaries', () => {
  it.each(Object.keys(FIXTURES as Record<string, () => Buffer>))(
    '%s equals what its description writes',
    (path) => {
      const committed = readFileSync(join(REPO_ROOT, path));
      const written = (FIXTURES as Record<string, () => Buffer>)[path]!();
      expect(Buffer.compare(committed, written)).toBe(0);
    },
  );
});

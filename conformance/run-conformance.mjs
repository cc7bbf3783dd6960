#!/usr/bin/env node
// Runs every case of conformance/cases against an engine's batch mode and compares its output
// with the case's expected.json. Any engine that prints the SPEC 4 object can be checked:
//
//   node conformance/run-conformance.mjs -- node dist/src/cli/main.js aggregate
//   node conformance/run-conformance.mjs -- spark/.venv/bin/python spark/heatmap_stream.py aggregate
//
// With --update, expected.json files are rewritten from the engine's output: do that only on
// purpose, and review the diff against each case's README.md before committing it.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const casesDir = join(dirname(fileURLToPath(import.meta.url)), 'cases');
const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const flags = split === -1 ? argv : argv.slice(0, split);
const engine = split === -1 ? [] : argv.slice(split + 1);
if (engine.length === 0 || flags.includes('--help')) {
  process.stderr.write(
    'usage: run-conformance.mjs [--update] [--only NAME] -- <engine command...>\n',
  );
  process.exit(engine.length === 0 ? 2 : 0);
}
const update = flags.includes('--update');
const only = flags.includes('--only') ? flags[flags.indexOf('--only') + 1] : undefined;

let failed = 0;
let passed = 0;
for (const name of readdirSync(casesDir).sort()) {
  if (only !== undefined && name !== only) continue;
  const dir = join(casesDir, name);
  const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
  const inputs = readdirSync(join(dir, 'input'))
    .sort()
    .map((f) => join(dir, 'input', f));
  const run = spawnSync(engine[0], [...engine.slice(1), ...spec.args, ...inputs], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  if (run.status !== 0) {
    failed++;
    process.stdout.write(`FAIL ${name}: exit ${run.status}\n${run.stderr}\n`);
    continue;
  }
  const actual = JSON.parse(run.stdout);
  const expectedPath = join(dir, 'expected.json');
  if (update) {
    writeFileSync(expectedPath, JSON.stringify(actual, null, 2) + '\n');
    process.stdout.write(`updated ${name}\n`);
    continue;
  }
  if (!existsSync(expectedPath)) {
    failed++;
    process.stdout.write(`FAIL ${name}: no expected.json\n`);
    continue;
  }
  const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
  if (isDeepStrictEqual(actual, expected)) {
    passed++;
    process.stdout.write(`ok   ${name}\n`);
  } else {
    failed++;
    process.stdout.write(`FAIL ${name}: output differs from expected.json\n`);
    for (const part of ['stats', 'tiles', 'positions']) {
      if (!isDeepStrictEqual(actual[part], expected[part])) {
        process.stdout.write(
          `  ${part}: expected ${JSON.stringify(expected[part]).slice(0, 600)}\n`,
        );
        process.stdout.write(`  ${part}: actual   ${JSON.stringify(actual[part]).slice(0, 600)}\n`);
      }
    }
  }
}
if (!update) process.stdout.write(`conformance: ${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);

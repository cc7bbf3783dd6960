import { describe, expect, it } from 'vitest';
import { listRecordingFiles, readRecordingFile } from '../../src/sources/read-recording.js';
import { HAVE_RECORDINGS, RECORDINGS_DIR } from '../support/recordings.js';
import { runCli } from './cli-support.js';

interface Result {
  tiles: { count: number; vehicles: number; speedSamples: number; avgSpeedKmh: number | null }[];
  positions: { provider: string; vehicleId: string }[];
  stats: { accepted: number; duplicates: number; late: number; rejected: Record<string, number> };
}

describe.skipIf(!HAVE_RECORDINGS)('aggregate over every shared recording', () => {
  it('prints the SPEC 4 object, and its counters add up to every input record', async () => {
    const files = await listRecordingFiles(RECORDINGS_DIR);
    expect(files.length).toBeGreaterThan(30);

    let records = 0;
    for (const file of files)
      for (const batch of await readRecordingFile(file)) records += batch.records.length;

    const run = await runCli(['aggregate', ...files]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Result;
    const { accepted, duplicates, late, rejected } = result.stats;
    const rejectedTotal = Object.values(rejected).reduce((a, b) => a + b, 0);

    expect(accepted + duplicates + late + rejectedTotal).toBe(records);
    expect(result.tiles.reduce((n, t) => n + t.count, 0)).toBe(accepted);
    expect(Object.values(rejected).every((n) => n > 0)).toBe(true);
    // The recordings hold each oddity PROVENANCE.md lists: (0, 0) buses, far-future times, no
    // positions. Most of Delhi's far-future buses are also at (0, 0), and null_island is checked first.
    expect(rejected.null_island).toBeGreaterThanOrEqual(50);
    expect(rejected.future_timestamp).toBeGreaterThan(0);
    expect(rejected.no_position).toBeGreaterThanOrEqual(67);
    // Files come in folder order, so a 2022 LAMP hour after 2025 feeds is entirely late: lateness
    // is checked before dedupe (SPEC 3), and such reports count as late, not as duplicates.
    expect(late).toBeGreaterThan(100_000);
    for (const t of result.tiles) {
      expect(t.vehicles).toBeLessThanOrEqual(t.count);
      expect(t.speedSamples).toBeLessThanOrEqual(t.count);
      expect(t.avgSpeedKmh === null).toBe(t.speedSamples === 0);
    }
    const ids = result.positions.map((p) => `${p.provider}:${p.vehicleId}`);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('aggregate usage', () => {
  it.each([
    [['aggregate', '--res', '16', 'x.ndjson']],
    [['aggregate', '--tile-minutes', 'five', 'x.ndjson']],
    [['aggregate', '--feed', 'Bad Name', 'x.ndjson']],
    [['aggregate', '--now', 'yesterday', 'x.ndjson']],
    [['aggregate', '--no-such-flag', 'x.ndjson']],
    [['aggregate']],
  ])('exits with 2 on a usage error: %j', async (args) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error|missing/i);
  });

  it('exits with 1 and names the file when an input is missing', async () => {
    const run = await runCli(['aggregate', 'no/such/file.ndjson']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no/such/file.ndjson');
  });

  it('prints help for every command', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z-]+)\b/gm)]
      .map((m) => m[1]!)
      .filter((c) => c !== 'help');
    expect(commands).toContain('aggregate');
    for (const command of commands) {
      const help = await runCli([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/Usage: mobility-heatmap/);
    }
  });
});

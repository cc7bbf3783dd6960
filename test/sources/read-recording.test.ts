import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

import type { InputRecord } from '../../src/event/position-event.js';
import {
  listRecordingFiles,
  normaliseResponse,
  readRecordingFile,
} from '../../src/sources/read-recording.js';

const fixtures = fileURLToPath(new URL('../fixtures/sources/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'read-recording-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes a scratch file under a name that says nothing true about its content. */
function scratchFile(name: string, content: string | Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

function kinds(records: InputRecord[]): string[] {
  return records.map((r) => (r.kind === 'rejected' ? r.reason : r.kind));
}

describe('readRecordingFile', () => {
  it('reads an MBTA V3 page as one batch captured at its newest updated_at', async () => {
    const batches = await readRecordingFile(join(fixtures, 'mbta-v3-vehicles.json'));
    expect(batches).toHaveLength(1);
    expect(batches[0]!.captureMs).toBe(Date.parse('2024-06-03T12:15:50Z'));
    expect(batches[0]!.label).toBe(join(fixtures, 'mbta-v3-vehicles.json'));
    expect(kinds(batches[0]!.records)).toEqual(['event', 'event', 'no_position']);
  });

  it('reads OpenSky responses, with or without the envelope', async () => {
    const [wrapped] = await readRecordingFile(join(fixtures, 'opensky-states-17.json'));
    const [bare] = await readRecordingFile(join(fixtures, 'opensky-states-bare.json'));
    expect(wrapped!.records).toHaveLength(5);
    expect(bare!.captureMs).toBe(1717402750_000);
  });

  it('recognises protobuf by content, whatever the name says, and names the feed', async () => {
    const path = scratchFile(
      'looks-like.json',
      readFileSync(join(fixtures, 'gtfsrt-vehicle-positions.pb')),
    );
    const [batch] = await readRecordingFile(path, { feed: 'stm' });
    expect(batch!.captureMs).toBe(1717402800_000);
    expect(batch!.records).toHaveLength(8);
    expect(batch!.records[0]).toMatchObject({ event: { provider: 'gtfsrt.stm' } });
  });

  it('opens gzip first, then recognises what is inside', async () => {
    const path = scratchFile(
      'feed.pb',
      gzipSync(readFileSync(join(fixtures, 'gtfsrt-enhanced.json'))),
    );
    const [batch] = await readRecordingFile(path);
    expect(kinds(batch!.records)).toEqual(['event', 'event', 'event', 'no_position']);
    expect(batch!.captureMs).toBe(1717402800_000);
  });

  it('reads NDJSON: events and non-JSON lines raw, responses normalised, blank lines skipped', async () => {
    const [batch] = await readRecordingFile(join(fixtures, 'events-and-responses.ndjson'));
    expect(kinds(batch!.records)).toEqual(['raw', 'raw', 'event', 'raw']);
    expect(batch!.records[1]).toEqual({ kind: 'raw', value: 'this is not json' });
    // The CRLF line ending is not part of the message.
    const last = batch!.records[3]!;
    expect(last.kind === 'raw' && String(last.value).endsWith('}')).toBe(true);
    expect(batch!.captureMs).toBe(1717402500_000);
  });

  it('gives a file of one event one raw record, without a capture time', async () => {
    const line = '{"provider":"sim","vehicleId":"a","lat":1,"lon":2,"ts":"2024-06-03T08:00:00Z"}';
    const [batch] = await readRecordingFile(scratchFile('one-event', `${line}\n`));
    expect(batch).toEqual({
      captureMs: null,
      label: join(scratch, 'one-event'),
      records: [{ kind: 'raw', value: line }],
    });
  });

  it('gives a pretty-printed document of no known shape to the engine as one message', async () => {
    const text = JSON.stringify({ provider: 'sim', vehicleId: 'b', nested: { x: 1 } }, null, 2);
    const [batch] = await readRecordingFile(scratchFile('pretty.json', text));
    expect(batch!.records).toEqual([{ kind: 'raw', value: text }]);
  });

  it('counts content that is nothing it knows once, as decode_error', async () => {
    const inputs: Record<string, Uint8Array | string> = {
      'garbage.bin': Uint8Array.of(0x0a, 0xff, 0xff, 0x01),
      'empty.pb': new Uint8Array(0),
      'broken.gz': Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02),
      'broken.parquet': 'PAR1 but nothing else',
      'trace.csv': 'user_id;tracked_at;latitude;longitude\n0;2019-01-25 20:00:16;46.5;6.6\n',
    };
    for (const [name, content] of Object.entries(inputs)) {
      const batches = await readRecordingFile(scratchFile(name, content));
      expect(batches, name).toHaveLength(1);
      expect(kinds(batches[0]!.records), name).toEqual(['decode_error']);
      const record = batches[0]!.records[0]!;
      expect(record.kind === 'rejected' && record.detail, name).toContain(name);
    }
  });

  it('throws InputFileError naming a file that cannot be read', async () => {
    const missing = join(scratch, 'no-such-file.json');
    await expect(readRecordingFile(missing)).rejects.toMatchObject({ code: 'HM_INPUT_FILE' });
    await expect(readRecordingFile(missing)).rejects.toThrow(missing);
    await expect(readRecordingFile(scratch)).rejects.toMatchObject({ code: 'HM_INPUT_FILE' });
  });
});

describe('normaliseResponse', () => {
  it('is exported beside readRecordingFile for readers of NDJSON lines', () => {
    expect(normaliseResponse({ time: 1, states: null })).toEqual([]);
  });
});

describe('listRecordingFiles', () => {
  it('lists data files of all subfolders, sorted, without documentation, traces or hidden files', async () => {
    const root = join(scratch, 'recordings');
    for (const dir of ['opensky', 'gtfsrt-x', '.cache', 'traces'])
      mkdirSync(join(root, dir), { recursive: true });
    for (const file of [
      'PROVENANCE.md',
      'opensky/b.json',
      'opensky/a.json',
      'gtfsrt-x/VehiclePositions',
      'gtfsrt-x/.DS_Store',
      '.cache/c.json',
      'traces/walk.csv',
      'notes.txt',
    ]) {
      writeFileSync(join(root, file), '{}');
    }
    expect(await listRecordingFiles(root)).toEqual([
      join(root, 'gtfsrt-x/VehiclePositions'),
      join(root, 'opensky/a.json'),
      join(root, 'opensky/b.json'),
    ]);
  });

  it('gives a file path back alone', async () => {
    const path = join(fixtures, 'opensky-states-17.json');
    expect(await listRecordingFiles(path)).toEqual([path]);
  });

  it('throws InputFileError for a missing folder', async () => {
    await expect(listRecordingFiles(join(scratch, 'nowhere'))).rejects.toMatchObject({
      code: 'HM_INPUT_FILE',
    });
  });
});

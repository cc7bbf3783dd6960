import { parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

import type { InputRecord } from '../../src/event/position-event.js';
import { readLampParquet } from '../../src/sources/lamp-parquet.js';
import type { RecordBatch } from '../../src/sources/record-batch.js';
import { HAVE_RECORDINGS, recording } from '../support/recordings.js';

const HOUR_3 = recording(
  'mbta-lamp/2022-11-22T030001Z_mbta-lamp_7ea9804ec59a4f2ba8039991c6eb47f1-0.parquet',
);
const HOUR_13 = recording(
  'mbta-lamp/2023-05-08T130001Z_mbta-lamp_9a1bb1c5269042a284b2ed57b4dfebb9-0.parquet',
);

function events(batches: RecordBatch[]): Record<string, unknown>[] {
  return batches.flatMap((b) =>
    b.records.flatMap((r: InputRecord) => (r.kind === 'event' ? [r.event] : [])),
  );
}

describe.skipIf(!HAVE_RECORDINGS)('readLampParquet (needs the shared recordings)', () => {
  describe('on the 2022 layout (vehicle_id, latitude, ...), hour 03', () => {
    let batches: RecordBatch[] = [];
    let all: Record<string, unknown>[] = [];
    beforeAll(async () => {
      batches = await readLampParquet(HOUR_3);
      all = events(batches);
    });

    it('gives every one of the 354,985 rows as an event, in 1,211 snapshots', () => {
      expect(all).toHaveLength(354_985);
      expect(batches).toHaveLength(1_211);
    });

    it('orders the snapshots by feed timestamp, from 03:00:01 to the partial one at 03:29:36', () => {
      const times = batches.map((b) => b.captureMs!);
      expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
      expect(new Date(times[0]!).toISOString()).toBe('2022-11-22T03:00:01.000Z');
      expect(new Date(times.at(-1)!).toISOString()).toBe('2022-11-22T03:29:36.000Z');
      expect(batches.at(-1)!.records).toHaveLength(217);
      expect(batches[4]!.label).toBe(`${HOUR_3}#5`);
    });

    it('names the provider gtfsrt.mbta and finds the 345 vehicles', () => {
      expect(new Set(all.map((e) => e.provider))).toEqual(new Set(['gtfsrt.mbta']));
      expect(new Set(all.map((e) => e.vehicleId)).size).toBe(345);
    });

    it('never dates a vehicle after its snapshot', () => {
      let later = 0;
      for (const batch of batches) {
        for (const record of batch.records) {
          if (record.kind === 'event' && Date.parse(record.event.ts as string) > batch.captureMs!)
            later++;
        }
      }
      expect(later).toBe(0);
    });

    it('keeps null bearings and speeds null (37 and 307,265 rows) and turns m/s into km/h', () => {
      expect(all.filter((e) => e.bearing === null)).toHaveLength(37);
      expect(all.filter((e) => e.speedKmh === null)).toHaveLength(307_265);
      const speeds = all.flatMap((e) => (typeof e.speedKmh === 'number' ? [e.speedKmh] : []));
      expect(Math.max(...speeds)).toBeCloseTo(34.9 * 3.6, 0);
      expect(all.filter((e) => e.bearing === 360).length).toBe(302);
    });
  });

  describe('on the 2023 layout (vehicle.vehicle.id, vehicle.position.latitude, ...), hour 13', () => {
    let batches: RecordBatch[] = [];
    beforeAll(async () => {
      batches = await readLampParquet(HOUR_13);
    });

    it('gives 171,101 events in 1,807 snapshots', () => {
      expect(events(batches)).toHaveLength(171_101);
      expect(batches).toHaveLength(1_807);
    });

    it('keeps the rows of one snapshot in file order', async () => {
      const file = readFileSync(HOUR_13);
      const columns: Record<string, ArrayLike<unknown>> = {};
      await parquetRead({
        file: file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer,
        compressors,
        columns: ['feed_timestamp', 'vehicle.vehicle.id'],
        onChunk: ({ columnName, columnData }) => (columns[columnName] = columnData),
      });
      const expected = new Map<number, unknown[]>();
      const feedTimes = columns.feed_timestamp!;
      for (let row = 0; row < feedTimes.length; row++) {
        const key = Number(feedTimes[row]) * 1000;
        if (!expected.has(key)) expected.set(key, []);
        expected.get(key)!.push(columns['vehicle.vehicle.id']![row]);
      }
      for (const batch of batches) {
        const ids = batch.records.map((r) => (r.kind === 'event' ? r.event.vehicleId : null));
        expect(ids).toEqual(expected.get(batch.captureMs!));
      }
    });

    it('leaves out the label where the file has none', () => {
      const all = events(batches);
      expect(all.some((e) => !('label' in e))).toBe(true);
      expect(all.find((e) => 'label' in e)).toMatchObject({
        provider: 'gtfsrt.mbta',
        routeId: expect.any(String),
      });
    });
  });

  it('throws InputFileError for a missing file and DecodeError for bytes that are not Parquet', async () => {
    await expect(readLampParquet('/nonexistent/lamp.parquet')).rejects.toMatchObject({
      code: 'HM_INPUT_FILE',
    });
    await expect(readLampParquet(new TextEncoder().encode('PAR1 nothing'))).rejects.toMatchObject({
      code: 'HM_DECODE',
    });
  });
});

#!/usr/bin/env node
/**
 * Writes the binary inputs of the conformance cases from their hand-written descriptions, so
 * that every binary in the repository has a readable origin:
 *
 *   node scripts/write-conformance-fixtures.mjs
 *
 * - gtfsrt-protobuf: the FeedMessage of test/fixtures/sources/gtfsrt-vehicle-positions.description.json,
 *   encoded with gtfs-realtime-bindings (a field left out stays unset on the wire).
 * - lamp-parquet: conformance/cases/lamp-parquet/rows.json, written as Parquet with the flat
 *   column names and types of MBTA's LAMP archive (hyparquet-writer).
 * test/sources/conformance-fixtures.test.ts checks the committed files equal what this writes.
 */
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The conformance GTFS-RT protobuf, from the source tests' description. */
export function gtfsRtBytes() {
  const { FeedMessage } = GtfsRealtimeBindings.transit_realtime;
  const path = join(root, 'test/fixtures/sources/gtfsrt-vehicle-positions.description.json');
  const message = FeedMessage.fromObject(JSON.parse(readFileSync(path, 'utf8')));
  return Buffer.from(FeedMessage.encode(message).finish());
}

/** The conformance LAMP Parquet file, from its rows. */
export function lampBytes() {
  const spec = JSON.parse(
    readFileSync(join(root, 'conformance/cases/lamp-parquet/rows.json'), 'utf8'),
  );
  const names = Object.keys(spec.columns);
  const columnData = names.map((name, i) => {
    const type = spec.columns[name];
    const data = spec.rows.map((row) =>
      row[i] === null ? null : type === 'INT64' ? BigInt(row[i]) : row[i],
    );
    return { name, data, type };
  });
  return Buffer.from(parquetWriteBuffer({ columnData }));
}

export const FIXTURES = {
  'conformance/cases/gtfsrt-protobuf/input/VehiclePositions.pb': gtfsRtBytes,
  'conformance/cases/lamp-parquet/input/RT_VEHICLE_POSITIONS.parquet': lampBytes,
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [path, make] of Object.entries(FIXTURES)) {
    writeFileSync(join(root, path), make());
    process.stdout.write(`wrote ${path}\n`);
  }
}

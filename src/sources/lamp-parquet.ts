/**
 * MBTA LAMP archives (Parquet files of RT_VEHICLE_POSITIONS) to record batches, as SPEC 2 maps
 * them: one GTFS-RT vehicle position per row, replayed one batch per `feed_timestamp`, in order.
 * LAMP wrote two layouts of flat column names (`vehicle_id`, `latitude`, ... in 2022;
 * `vehicle.vehicle.id`, `vehicle.position.latitude`, ... in 2023, dots and all; PROVENANCE.md,
 * mbta-lamp). A file holds about 400,000 rows, so only the needed columns are read, column by
 * column into typed arrays, and rows become events only once, in their final order.
 */
import { parquetMetadataAsync, parquetRead, type AsyncBuffer } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { readFile } from 'node:fs/promises';

import type { InputRecord } from '../event/position-event.js';
import { DecodeError, InputFileError } from '../errors.js';
import { loggerFor } from '../logger.js';
import { eventRecord, nameOf, noPosition, nonBlank, tsFromUnixSeconds } from './event-fields.js';
import type { RecordBatch } from './record-batch.js';

/** LAMP archives MBTA's own GTFS-RT feed, so its events are that feed's (SPEC 2). */
export const LAMP_PROVIDER = 'gtfsrt.mbta';

const log = loggerFor('sources');

/** Each field's column in either layout, 2022 first. */
const COLUMNS = {
  feedTimestamp: ['feed_timestamp'],
  latitude: ['latitude', 'vehicle.position.latitude'],
  longitude: ['longitude', 'vehicle.position.longitude'],
  vehicleTimestamp: ['vehicle_timestamp', 'vehicle.timestamp'],
  bearing: ['bearing', 'vehicle.position.bearing'],
  speed: ['speed', 'vehicle.position.speed'],
  vehicleId: ['vehicle_id', 'vehicle.vehicle.id'],
  entityId: ['entity_id', 'id'],
  routeId: ['route_id', 'vehicle.trip.route_id'],
  label: ['vehicle_label', 'vehicle.vehicle.label'],
} as const;

type Field = keyof typeof COLUMNS;
const NUMBER_FIELDS = [
  'feedTimestamp',
  'latitude',
  'longitude',
  'vehicleTimestamp',
  'bearing',
  'speed',
] as const;
const TEXT_FIELDS = ['vehicleId', 'entityId', 'routeId', 'label'] as const;
const REQUIRED_FIELDS: Field[] = ['feedTimestamp', 'latitude', 'longitude'];

/** The needed columns of a file: numbers as doubles (NaN for null), strings as they are. */
interface LampColumns {
  rows: number;
  numbers: Record<(typeof NUMBER_FIELDS)[number], Float64Array>;
  texts: Record<(typeof TEXT_FIELDS)[number], (string | null)[]>;
}

/** hyparquet reads INT64/UINT64 as BigInt; timestamps in seconds fit a double exactly. */
function toDouble(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return Number.NaN;
}

function bufferOf(bytes: Uint8Array): AsyncBuffer {
  return {
    byteLength: bytes.byteLength,
    slice: (start, end) =>
      bytes.buffer.slice(
        bytes.byteOffset + start,
        bytes.byteOffset + (end ?? bytes.byteLength),
      ) as ArrayBuffer,
  };
}

async function readColumns(file: AsyncBuffer, label: string): Promise<LampColumns> {
  // Stage 1: find each field's column in whichever layout the file has.
  const metadata = await parquetMetadataAsync(file);
  const names = new Set(metadata.schema.map((element) => element.name));
  const columnOf = {} as Record<Field, string | undefined>;
  for (const field of Object.keys(COLUMNS) as Field[]) {
    columnOf[field] = COLUMNS[field].find((name) => names.has(name));
  }
  const missing = REQUIRED_FIELDS.filter((field) => columnOf[field] === undefined);
  if (missing.length > 0) {
    throw new DecodeError(
      `${label}: not an MBTA LAMP vehicle positions file (no ${missing.map((f) => COLUMNS[f][0]).join(', ')} column)`,
    );
  }

  // Stage 2: read those columns only, chunk by chunk, into arrays of the whole file's length.
  const rows = Number(metadata.num_rows);
  const numbers = Object.fromEntries(
    NUMBER_FIELDS.map((field) => [field, new Float64Array(rows).fill(Number.NaN)]),
  ) as LampColumns['numbers'];
  const texts = Object.fromEntries(
    TEXT_FIELDS.map((field) => [field, new Array<string | null>(rows).fill(null)]),
  ) as LampColumns['texts'];
  const fieldOf = new Map<string, Field>();
  for (const field of Object.keys(columnOf) as Field[]) {
    const column = columnOf[field];
    if (column !== undefined) fieldOf.set(column, field);
  }

  await parquetRead({
    file,
    metadata,
    compressors,
    columns: [...fieldOf.keys()],
    onChunk({ columnName, columnData, rowStart, rowEnd }) {
      const field = fieldOf.get(columnName);
      if (field === undefined) return;
      const end = Math.min(rowEnd, rows);
      if (field in numbers) {
        const target = numbers[field as (typeof NUMBER_FIELDS)[number]];
        for (let row = rowStart; row < end; row++) {
          target[row] = toDouble(columnData[row - rowStart]);
        }
      } else {
        const target = texts[field as (typeof TEXT_FIELDS)[number]];
        for (let row = rowStart; row < end; row++) {
          const value: unknown = columnData[row - rowStart];
          target[row] = typeof value === 'string' ? value : null;
        }
      }
    },
  });
  return { rows, numbers, texts };
}

/** Row order by feed timestamp, ties in file order; rows without one go last. */
function replayOrder(feedTimestamps: Float64Array): Uint32Array {
  const order = new Uint32Array(feedTimestamps.length);
  for (let row = 0; row < order.length; row++) order[row] = row;
  const key = (row: number): number => {
    const value = feedTimestamps[row]!;
    return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
  };
  return order.sort((a, b) => key(a) - key(b) || a - b);
}

function rowRecord(
  columns: LampColumns,
  row: number,
  tsOf: (seconds: number) => string | number,
): InputRecord {
  const { numbers, texts } = columns;
  const vehicleId = nonEmpty(texts.vehicleId[row]) ?? nonEmpty(texts.entityId[row]);
  const lat = numbers.latitude[row]!;
  const lon = numbers.longitude[row]!;
  const vehicleSeconds = numbers.vehicleTimestamp[row]!;
  // As in the live feed, a vehicle without its own timestamp (or 0) takes the snapshot's.
  const seconds =
    vehicleSeconds > 0 || vehicleSeconds < 0 ? vehicleSeconds : numbers.feedTimestamp[row]!;

  if (!Number.isFinite(lat) || !Number.isFinite(lon) || !Number.isFinite(seconds)) {
    const what = Number.isFinite(seconds) ? 'position' : 'timestamp';
    return noPosition(
      `lamp row ${row} (vehicle ${nameOf(vehicleId)}) has no ${what}`,
      rowExcerpt(columns, row),
    );
  }

  const speed = numbers.speed[row]!;
  const bearing = numbers.bearing[row]!;
  const event: Record<string, unknown> = {
    provider: LAMP_PROVIDER,
    vehicleId: vehicleId ?? null,
    lat,
    lon,
    ts: tsOf(seconds),
    speedKmh: Number.isFinite(speed) ? speed * 3.6 : null,
    bearing: Number.isFinite(bearing) ? bearing : null,
  };
  const label = nonBlank(texts.label[row]);
  if (label !== undefined) event.label = label;
  const routeId = nonBlank(texts.routeId[row]);
  if (routeId !== undefined) event.routeId = routeId;
  return eventRecord(event);
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}

function rowExcerpt(columns: LampColumns, row: number): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of NUMBER_FIELDS) {
    const value = columns.numbers[field][row]!;
    values[COLUMNS[field][0]] = Number.isNaN(value) ? null : value;
  }
  for (const field of TEXT_FIELDS) values[COLUMNS[field][0]] = columns.texts[field][row];
  return values;
}

/**
 * Reads an MBTA LAMP vehicle positions archive as record batches, one per feed timestamp in
 * ascending order (the files are written in chunks, not in time order: rows are sorted, ties
 * kept in file order). A row is an event of provider `gtfsrt.mbta`, or `no_position`.
 *
 * @param input - the file's bytes, or its path
 * @param label - the name batches are labelled with (`label#n`); the path by default
 * @returns the batches; rows without a feed timestamp, if any, form a last batch without a capture time
 * @throws InputFileError when a path cannot be read
 * @throws DecodeError when the bytes are not a Parquet file with LAMP's vehicle position columns
 */
export async function readLampParquet(
  input: Uint8Array | string,
  label?: string,
): Promise<RecordBatch[]> {
  const name = label ?? (typeof input === 'string' ? input : 'lamp');
  const startedMs = performance.now();
  let bytes: Uint8Array;
  try {
    bytes = typeof input === 'string' ? await readFile(input) : input;
  } catch (err) {
    throw new InputFileError(`cannot read ${input as string}: ${(err as Error).message}`, {
      cause: err,
    });
  }

  // Stage 1: the needed columns, whichever layout the file has.
  let columns: LampColumns;
  try {
    columns = await readColumns(bufferOf(bytes), name);
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError(`${name}: not a readable Parquet file: ${(err as Error).message}`, {
      cause: err,
    });
  }

  // Stage 2: rows in replay order, one batch per feed timestamp. Most rows repeat a vehicle's
  // last time, so one string per distinct second keeps the events small.
  const tsCache = new Map<number, string | number>();
  const tsOf = (seconds: number): string | number => {
    let ts = tsCache.get(seconds);
    if (ts === undefined) tsCache.set(seconds, (ts = tsFromUnixSeconds(seconds)));
    return ts;
  };

  const feedTimestamps = columns.numbers.feedTimestamp;
  const batches: RecordBatch[] = [];
  let current: RecordBatch | null = null;
  let currentKey = Number.NaN;
  for (const row of replayOrder(feedTimestamps)) {
    const key = feedTimestamps[row]!;
    // Object.is, unlike ===, keeps the rows without a feed timestamp (NaN) together.
    if (current === null || !Object.is(key, currentKey)) {
      current = {
        captureMs: Number.isNaN(key) ? null : key * 1000,
        label: `${name}#${batches.length + 1}`,
        records: [],
      };
      currentKey = key;
      batches.push(current);
    }
    current.records.push(rowRecord(columns, row, tsOf));
  }

  log.debug(
    {
      file: name,
      rows: columns.rows,
      batches: batches.length,
      ms: Math.round(performance.now() - startedMs),
    },
    'lamp archive read',
  );
  return batches;
}

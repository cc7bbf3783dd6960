/**
 * Reads a recording file as record batches, recognising its format by content, never by name
 * (SPEC 4): gzip is opened first, then Parquet (an MBTA LAMP archive), JSON (a provider's
 * response), NDJSON (events or whole responses, one per line), and otherwise a GTFS-RT protobuf
 * body. A file that decodes as none of them counts once, as `decode_error`, and stops no other
 * file. It also lists the recordings of a folder.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

import type { InputRecord } from '../event/position-event.js';
import { DecodeError, InputFileError } from '../errors.js';
import { loggerFor } from '../logger.js';
import { excerpt } from './event-fields.js';
import {
  decodeFeedMessage,
  feedMessageCaptureMs,
  normaliseFeedMessage,
  type GtfsRtOptions,
} from './gtfs-realtime.js';
import { readLampParquet } from './lamp-parquet.js';
import { recogniseResponse } from './provider-response.js';
import { decodeErrorBatch, type RecordBatch } from './record-batch.js';

export { normaliseResponse } from './provider-response.js';

/** Options of readRecordingFile: the GTFS-RT feed's name (`--feed`). */
export type ReadRecordingOptions = GtfsRtOptions;

const log = loggerFor('sources');
const gunzipAsync = promisify(gunzip);

/** Files in a recordings folder that are documentation, or trace seeds for the simulator, not responses. */
const SKIPPED_EXTENSIONS = new Set(['.md', '.txt', '.csv', '.tsv', '.html', '.pdf', '.sha256']);

/** Space, tab, line feed and carriage return (RFC 8259, section 2). */
const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The most a gzipped recording may inflate to. MBTA's archived JSON inflates to a few hundred
 * KB; a file that would inflate past this is refused before it can exhaust memory.
 */
export const MAX_INFLATED_BYTES = 256 * 1024 * 1024;

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((byte, i) => bytes[i] === byte);
}

/** True when the first byte that is not whitespace (or a UTF-8 BOM) opens a JSON object or array. */
function looksLikeJson(bytes: Uint8Array): boolean {
  let i = startsWith(bytes, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  while (i < bytes.length && JSON_WHITESPACE.has(bytes[i]!)) i++;
  return bytes[i] === 0x7b || bytes[i] === 0x5b;
}

/**
 * Reads JSON text: a provider's response is normalised; a document of no known shape is one
 * message for the engine to judge; text that is not one JSON document is NDJSON.
 */
function readJsonText(text: string, label: string, opts: GtfsRtOptions): RecordBatch {
  let body: unknown;
  let parsed = true;
  try {
    body = JSON.parse(text);
  } catch {
    parsed = false;
  }
  if (parsed) {
    const response = recogniseResponse(body, opts);
    if (response !== null) {
      return { captureMs: response.captureMs, label, records: response.records };
    }
    // Several lines but one document (pretty-printed): one message, whatever it holds.
    const trimmed = text.trim();
    if (/[\r\n]/.test(trimmed)) {
      return { captureMs: null, label, records: [{ kind: 'raw', value: trimmed }] };
    }
  }
  return readNdjson(text, label, opts);
}

/**
 * Reads NDJSON: blank lines are skipped; a line that holds a provider's response gives its
 * records; any other line, JSON or not, is a raw message that the engine validates exactly as
 * one read from the log (so a line that is not JSON counts as `bad_json`).
 */
function readNdjson(text: string, label: string, opts: GtfsRtOptions): RecordBatch {
  const records: InputRecord[] = [];
  let captureMs: number | null = null;
  for (const line of text.split('\n')) {
    const value = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (value.trim() === '') continue;

    let response = null;
    try {
      response = recogniseResponse(JSON.parse(value), opts);
    } catch {
      // Not JSON: the engine counts it as bad_json.
    }
    if (response === null) {
      records.push({ kind: 'raw', value });
      continue;
    }
    for (const record of response.records) records.push(record);
    if (response.captureMs !== null) {
      captureMs = Math.max(captureMs ?? response.captureMs, response.captureMs);
    }
  }
  return { captureMs, label, records };
}

/**
 * Reads a recording already in memory, recognising its format by content.
 *
 * @param bytes - the file's content
 * @param label - where it came from, for batch labels and rejection details
 * @param opts - the GTFS-RT feed's name
 * @returns one batch, or one per feed timestamp for a LAMP archive; a single `decode_error`
 *   batch when nothing can be decoded
 */
export async function readRecordingBytes(
  bytes: Uint8Array,
  label: string,
  opts: GtfsRtOptions = {},
): Promise<RecordBatch[]> {
  // gzip (RFC 1952, section 2.3.1): MBTA's archived JSON is stored gzipped.
  if (startsWith(bytes, [0x1f, 0x8b])) {
    let inflated: Uint8Array;
    try {
      inflated = await gunzipAsync(bytes, { maxOutputLength: MAX_INFLATED_BYTES });
    } catch (err) {
      const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      const reason = tooBig
        ? `inflates to more than ${MAX_INFLATED_BYTES} bytes`
        : `broken gzip: ${(err as Error).message}`;
      return [decodeFailed(label, `${label}: ${reason}`)];
    }
    return readRecordingBytes(inflated, label, opts);
  }

  // Parquet files begin with the magic "PAR1" (Apache Parquet, "File Format").
  if (startsWith(bytes, [0x50, 0x41, 0x52, 0x31])) {
    try {
      return await readLampParquet(bytes, label);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return [decodeFailed(label, err.message)];
    }
  }

  if (looksLikeJson(bytes)) return [readJsonText(new TextDecoder().decode(bytes), label, opts)];

  // Anything else should be a protobuf FeedMessage. Encoders write its header (field 1) or an
  // entity (field 2) first, whose tags are bytes 0x0a and 0x12, never "{" or "[" (gtfs-realtime.proto).
  try {
    const feed = decodeFeedMessage(bytes);
    return [
      { captureMs: feedMessageCaptureMs(feed), label, records: normaliseFeedMessage(feed, opts) },
    ];
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return [
      decodeFailed(
        label,
        `${label}: not JSON, NDJSON, Parquet or GTFS-RT protobuf (${err.message})`,
      ),
    ];
  }
}

function decodeFailed(label: string, detail: string): RecordBatch {
  log.warn({ file: label, detail }, 'recording not decoded');
  return decodeErrorBatch(label, excerpt(detail));
}

/**
 * Reads a recording file as record batches, recognising its format by content.
 *
 * @param path - the file
 * @param opts - the GTFS-RT feed's name (`--feed`)
 * @returns one batch, or one per feed timestamp for a LAMP archive; a single `decode_error`
 *   batch when the content cannot be decoded
 * @throws InputFileError when the file cannot be read (missing, a folder, no permission)
 */
export async function readRecordingFile(
  path: string,
  opts: ReadRecordingOptions = {},
): Promise<RecordBatch[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputFileError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return readRecordingBytes(bytes, path, opts);
}

/**
 * Lists the recordings of a folder and its subfolders, sorted by path. Hidden files,
 * documentation (PROVENANCE.md, READMEs) and trace seeds (CSV) are left out.
 *
 * @param dir - the folder; a file path gives that file alone
 * @returns the paths of the recording files
 * @throws InputFileError when `dir` does not exist or cannot be read
 */
export async function listRecordingFiles(dir: string): Promise<string[]> {
  try {
    if ((await stat(dir)).isFile()) return [dir];
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    const paths = entries
      .filter((entry) => entry.isFile() && isRecordingName(entry.name))
      .map((entry) => join(entry.parentPath, entry.name))
      .filter((path) => !isInHiddenFolder(relative(dir, path)));
    return paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (err) {
    throw new InputFileError(`cannot list recordings in ${dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function isInHiddenFolder(relativePath: string): boolean {
  return relativePath.split(/[\\/]/).some((part) => part.startsWith('.'));
}

function isRecordingName(name: string): boolean {
  if (name.startsWith('.')) return false;
  if (/^(readme|license|licence|provenance)(\.|$)/i.test(basename(name))) return false;
  return !SKIPPED_EXTENSIONS.has(extname(name).toLowerCase());
}

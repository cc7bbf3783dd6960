/**
 * The live MBTA fleet from the V3 streaming API: `GET {base}/vehicles` with
 * `Accept: text/event-stream`, which needs a key (TECH-NOTES 5, from mbta/api
 * `event_stream*.ex` and https://www.mbta.com/developers/v3-api/streaming). The server sends
 * `reset` (the full list, always first), then `add` and `update` (one resource) and `remove`
 * (`{id, type}` only); `event: error` comes before it closes the stream; `: keep-alive` comments
 * come about every 30 s. Server-sent events are parsed by eventsource-parser.
 *
 * The source keeps the current vehicle set and appends the reports of the vehicles that changed,
 * normalised by mbta-v3.ts: one append per chunk read from the network, so a burst of updates
 * is one append. It reconnects with backoff when the stream ends, errors or falls silent; the
 * `reset` that opens each new stream replaces the set, and unchanged vehicles are not sent again.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

import type { InputRecord } from '../event/position-event.js';
import { HeatmapError, UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import { excerpt } from './event-fields.js';
import type { HttpClientOptions, HttpStream } from './http-client.js';
import { redactUrl } from './http-url.js';
import { backoffDelayMs, DEFAULT_MAX_BACKOFF_MS, DEFAULT_MIN_BACKOFF_MS } from './http-wait.js';
import { createLiveSourceParts } from './live-source-parts.js';
import { firstPageUrl } from './mbta-live-source.js';
import { mbtaVehicleResources, normaliseMbtaVehicle } from './mbta-v3.js';
import { recordToLogEntry, type Source, type SourceSink } from './source.js';
import {
  createUnchangedReportFilter,
  type UnchangedReportFilter,
} from './unchanged-report-filter.js';

/** How the MBTA stream is followed. */
export interface MbtaStreamOptions extends HttpClientOptions {
  /** The V3 API key (MBTA_API_KEY), required for streaming; never logged. */
  apiKey: string;
  /** The API's root (default https://api-v3.mbta.com). */
  baseUrl?: string;
  /** GTFS route types to keep (`filter[route_type]`). */
  routeTypes?: number[];
  /** A stream silent this long is closed and opened again (default 90000: three keep-alives). */
  idleTimeoutMs?: number;
  /** Stop after this many streams have ended (default: run until aborted). */
  maxConnections?: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 90_000;
const PROGRESS_INTERVAL_MS = 60_000;
const AUTH_HINT = 'check MBTA_API_KEY (keys are given at https://api-v3.mbta.com)';

/** How one stream ended: it closed, the server sent `event: error`, or it fell silent or broke. */
type StreamEnd = 'closed' | 'error event' | 'silent or broken';

/** What reading a stream needs: where events go, and what is kept across streams. */
interface StreamContext {
  state: StreamState;
  totals: StreamTotals;
  sink: SourceSink;
  signal: AbortSignal;
  idleTimeoutMs: number;
  now: () => number;
  log: Logger;
}

/** What the source has done, for its logs. */
interface StreamTotals {
  connections: number;
  events: number;
  sent: number;
  skipped: number;
  loggedAt: number;
}

/**
 * Creates the streaming source of the MBTA fleet.
 *
 * @param opts - see MbtaStreamOptions
 * @returns the source `mbta-stream`
 * @throws UsageError without a key (anonymous streaming is not allowed), or when an option is
 *   out of range
 */
export function createMbtaStreamSource(opts: MbtaStreamOptions): Source {
  if (opts.apiKey === undefined || opts.apiKey === '') {
    throw new UsageError(
      'the MBTA streaming API needs a key: set MBTA_API_KEY, or poll without one',
    );
  }
  const url = firstPageUrl(opts);
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxConnections = opts.maxConnections ?? Number.POSITIVE_INFINITY;
  const { log, sleep, now, random, http } = createLiveSourceParts(opts, { source: 'mbta-stream' });
  const headers = { accept: 'text/event-stream', 'x-api-key': opts.apiKey };
  const minBackoffMs = opts.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
  const maxBackoffMs = opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;

  return {
    name: 'mbta-stream',
    async run(sink, signal) {
      const state = new StreamState(createUnchangedReportFilter({ now }), log);
      const totals: StreamTotals = {
        connections: 0,
        events: 0,
        sent: 0,
        skipped: 0,
        loggedAt: now(),
      };
      const context: StreamContext = { state, totals, sink, signal, idleTimeoutMs, now, log };
      let failures = 0;
      log.info({ url: redactUrl(url) }, 'mbta streaming');

      while (totals.connections < maxConnections && !signal.aborted) {
        // Stage 1: connect; the client retries network errors, 5xx and 429 itself.
        let stream: HttpStream;
        try {
          stream = await http.openStream(
            url,
            { what: 'MBTA V3 stream', headers, authHint: AUTH_HINT },
            signal,
          );
        } catch (err) {
          if (signal.aborted) break;
          if (!(err instanceof HeatmapError && err.retriable)) throw err;
          log.error({ err }, 'stream not opened');
          failures += 1;
          await sleep(backoffDelayMs(failures, minBackoffMs, maxBackoffMs, random()), signal);
          continue;
        }
        totals.connections += 1;
        log.info({ connection: totals.connections }, 'stream connected');

        // Stage 2: read until the stream ends; a stream that gave a reset was healthy.
        const resetsBefore = state.resets;
        const end = await readStream(stream, context);
        if (signal.aborted) break;
        failures = state.resets > resetsBefore ? 0 : failures + 1;

        // Stage 3: wait, then open it again.
        const waitMs = backoffDelayMs(failures, minBackoffMs, maxBackoffMs, random());
        log.warn({ end, waitMs, vehicles: state.vehicles.size }, 'stream ended; reconnecting');
        if (totals.connections < maxConnections) await sleep(waitMs, signal);
      }
      log.info({ ...totals, vehicles: state.vehicles.size }, 'source stopped');
    },
  };
}

/** Reads one stream: parse each chunk, apply its events, append their reports at once. */
async function readStream(stream: HttpStream, context: StreamContext): Promise<StreamEnd> {
  const { state, totals, sink, signal, idleTimeoutMs, log } = context;
  const messages: EventSourceMessage[] = [];
  const parser = createParser({
    onEvent: (message) => messages.push(message),
    onError: (err) => log.warn({ reason: err.message }, 'stream line not understood'),
  });
  const body = stream.response.body;
  if (body === null) {
    stream.close();
    return 'closed';
  }
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let idle = setTimeout(() => stream.close(), idleTimeoutMs);

  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<string>;
      try {
        chunk = await reader.read();
      } catch {
        return 'silent or broken';
      }
      if (chunk.done) return 'closed';
      clearTimeout(idle);
      idle = setTimeout(() => stream.close(), idleTimeoutMs);

      parser.feed(chunk.value);
      totals.events += messages.length;
      const { records, sawError } = state.apply(messages.splice(0));
      const { kept, skipped } = state.filter.apply(records);
      if (kept.length > 0) await sink(kept.map(recordToLogEntry));
      totals.sent += kept.length;
      totals.skipped += skipped;
      log.debug({ records: records.length, sent: kept.length, skipped }, 'stream chunk');
      logProgress(context);
      if (signal.aborted) return 'closed';
      if (sawError) return 'error event';
    }
  } finally {
    clearTimeout(idle);
    stream.close();
    await reader.cancel().catch(() => undefined);
  }
}

function logProgress({ totals, state, now, log }: StreamContext): void {
  const nowMs = now();
  if (nowMs - totals.loggedAt < PROGRESS_INTERVAL_MS) return;
  totals.loggedAt = nowMs;
  const { connections, events, sent, skipped } = totals;
  log.info(
    { connections, events, sent, skipped, vehicles: state.vehicles.size },
    'stream progress',
  );
}

/** The current vehicle set, changed by the events of the stream. */
class StreamState {
  /** The vehicles of the last reset, added and updated since, less those removed; by id. */
  readonly vehicles = new Map<string, Record<string, unknown>>();
  resets = 0;

  constructor(
    readonly filter: UnchangedReportFilter,
    private readonly log: Logger,
  ) {}

  /** Applies events in order; returns the reports of the vehicles they added or changed. */
  apply(messages: EventSourceMessage[]): { records: InputRecord[]; sawError: boolean } {
    const records: InputRecord[] = [];
    let sawError = false;
    for (const message of messages) {
      const event = message.event ?? 'message';
      if (event === 'error') {
        sawError = true;
        this.log.warn({ detail: excerpt(message.data) }, 'stream error event');
        continue;
      }
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        records.push(notJson(event, message.data));
        continue;
      }
      records.push(...this.applyOne(event, data));
    }
    return { records, sawError };
  }

  private applyOne(event: string, data: unknown): InputRecord[] {
    switch (event) {
      case 'reset': {
        const resources =
          Array.isArray(data) && data.length === 0 ? [] : mbtaVehicleResources(data);
        if (resources === null || !Array.isArray(data)) return [notVehicles(event, data)];
        this.vehicles.clear();
        for (const resource of resources) this.vehicles.set(String(resource.id), resource);
        this.resets += 1;
        this.log.info({ vehicles: this.vehicles.size }, 'stream reset');
        return resources.map(normaliseMbtaVehicle);
      }
      case 'add':
      case 'update': {
        const resources = mbtaVehicleResources(data);
        if (resources === null || resources.length !== 1) return [notVehicles(event, data)];
        const resource = resources[0]!;
        this.vehicles.set(String(resource.id), resource);
        return [normaliseMbtaVehicle(resource)];
      }
      case 'remove': {
        const id = typeof data === 'object' && data !== null && 'id' in data ? data.id : undefined;
        if (id !== undefined) this.vehicles.delete(String(id));
        return [];
      }
      default:
        this.log.debug({ event }, 'stream event ignored');
        return [];
    }
  }
}

function notJson(event: string, data: string): InputRecord {
  return {
    kind: 'rejected',
    reason: 'decode_error',
    detail: `mbta stream ${event} event: data is not JSON`,
    raw: excerpt(data),
  };
}

function notVehicles(event: string, data: unknown): InputRecord {
  return {
    kind: 'rejected',
    reason: 'decode_error',
    detail: `mbta stream ${event} event: not MBTA V3 vehicle resources`,
    raw: excerpt(data),
  };
}

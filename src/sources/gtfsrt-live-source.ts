/**
 * Live vehicles of any GTFS-Realtime VehiclePositions feed: polls its URL and appends one
 * snapshot per poll as provider `gtfsrt.<feed>` (SPEC 2). The body is recognised by content, as
 * recordings are (read-recording.ts): protobuf, MBTA's JSON rendering, gzip. A body that does not
 * decode as a feed counts once, as `decode_error`, in that poll's append, and the source polls on;
 * each feed is its own source, so one broken feed stops no other.
 *
 * Agencies that want a key take it in a header (`--header 'Name: value'`) or in the query
 * string; neither is logged: URLs are redacted (http-url.ts), headers never written.
 */
import type { InputRecord } from '../event/position-event.js';
import { isProviderName } from '../event/validate-event.js';
import { UsageError } from '../errors.js';
import { gtfsRtProvider } from './gtfs-realtime.js';
import { parseHeaderOption, type HttpHeader } from './http-header-option.js';
import { redactUrl, validateHttpUrl } from './http-url.js';
import { createLiveSourceParts, validatePositive } from './live-source-parts.js';
import { runPollLoop, type LiveSourceOptions, type PollOutcome } from './poll-loop.js';
import { readRecordingBytes } from './read-recording.js';
import { decodeErrorBatch } from './record-batch.js';
import type { Source } from './source.js';

/** Default poll interval: most agencies refresh VehiclePositions every 10 to 30 s. */
export const GTFSRT_POLL_INTERVAL_MS = 15_000;

/** How a GTFS-RT feed is polled. */
export interface GtfsRtLiveOptions extends LiveSourceOptions {
  /** The VehiclePositions URL; a key in its query string is redacted in logs. */
  url: string;
  /** The feed's name: events get the provider `gtfsrt.<feed>` (`gtfsrt` without one). */
  feed?: string;
  /** A header for the agency's key, as `Name: value` or parsed; its value is never logged. */
  header?: string | HttpHeader;
}

const ACCEPT =
  'application/x-protobuf, application/octet-stream, application/json;q=0.9, */*;q=0.5';
const AUTH_HINT = "check the feed's key (the --header value or the key in the URL)";
const REQUEST_HINT = 'check the feed URL';

/**
 * Creates the polling source of one GTFS-RT VehiclePositions feed.
 *
 * @param opts - see GtfsRtLiveOptions
 * @returns the source `gtfsrt-live`
 * @throws UsageError when the URL is not http(s), the feed name makes no valid provider name,
 *   or the header is not `Name: value`
 */
export function createGtfsRtLiveSource(opts: GtfsRtLiveOptions): Source {
  const url = validateHttpUrl(opts.url, 'the GTFS-RT URL').toString();
  const provider = gtfsRtProvider(opts.feed);
  if (!isProviderName(provider)) {
    throw new UsageError(
      `the feed name makes the provider "${provider}", which is not [a-z0-9][a-z0-9._-]{0,47}`,
    );
  }
  const header = typeof opts.header === 'string' ? parseHeaderOption(opts.header) : opts.header;
  const headers: Record<string, string> = { accept: ACCEPT };
  if (header !== undefined) headers[header.name.toLowerCase()] = header.value;
  const intervalMs = opts.intervalMs ?? GTFSRT_POLL_INTERVAL_MS;
  validatePositive("the GTFS-RT source's intervalMs", intervalMs);

  const { log, sleep, now, http } = createLiveSourceParts(opts, {
    source: 'gtfsrt-live',
    provider,
  });
  const label = redactUrl(url);
  const feedOpts = opts.feed === undefined ? {} : { feed: opts.feed };

  const poll = async (signal: AbortSignal): Promise<PollOutcome> => {
    const reply = await http.request(
      url,
      { what: `GTFS-RT feed ${provider}`, headers, authHint: AUTH_HINT, requestHint: REQUEST_HINT },
      signal,
    );
    const { records, captureMs } = await decodeFeed(reply.body, label, provider, feedOpts);
    const feedTime = captureMs === null ? undefined : new Date(captureMs).toISOString();
    return { records, details: { url: label, bytes: reply.body.length, ms: reply.ms, feedTime } };
  };

  return {
    name: 'gtfsrt-live',
    async run(sink, signal) {
      log.info({ url: label, withHeader: header?.name }, 'gtfs-rt polling');
      await runPollLoop(
        { log, intervalMs, maxPolls: opts.maxPolls, sleep, now, poll },
        sink,
        signal,
      );
    },
  };
}

/**
 * Decodes one body as recordings are read, then insists that it was a feed: a JSON body of
 * another shape (an agency's error document, say) or another provider's response is one
 * `decode_error` too, since this URL should serve VehiclePositions only.
 */
async function decodeFeed(
  body: Uint8Array,
  label: string,
  provider: string,
  feedOpts: { feed?: string },
): Promise<{ records: InputRecord[]; captureMs: number | null }> {
  const batches = await readRecordingBytes(body, label, feedOpts);
  const records = batches.flatMap((batch) => batch.records);
  const isFeed = records.every(
    (record) =>
      record.kind === 'rejected' || (record.kind === 'event' && record.event.provider === provider),
  );
  if (!isFeed) {
    const detail = `${label}: a JSON body that is not a GTFS-RT FeedMessage (${body.length} bytes)`;
    return { records: decodeErrorBatch(label, detail).records, captureMs: null };
  }
  const times = batches.map((batch) => batch.captureMs).filter((ms): ms is number => ms !== null);
  return { records, captureMs: times.length === 0 ? null : Math.max(...times) };
}

/**
 * The live sources on the command line, shared by `produce` and `stack`: MBTA V3 (polled, or
 * streamed when MBTA_API_KEY is set), OpenSky (anonymous, or OAuth2 with OPENSKY_CLIENT_ID and
 * OPENSKY_CLIENT_SECRET) and any GTFS-Realtime VehiclePositions URL. Secrets come from the
 * environment only, so they stay out of shell histories and process listings.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { createGtfsRtLiveSource } from '../sources/gtfsrt-live-source.js';
import { createMbtaLiveSource } from '../sources/mbta-live-source.js';
import { createMbtaStreamSource } from '../sources/mbta-stream-source.js';
import { createOpenSkyLiveSource, type OpenSkyBbox } from '../sources/opensky-live-source.js';
import type { Source } from '../sources/source.js';
import { intInRange } from './options.js';

/** The live sources by name. */
export const LIVE_SOURCES = ['mbta', 'opensky', 'gtfsrt'] as const;
export type LiveSourceKind = (typeof LIVE_SOURCES)[number];

function envValue(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function routeTypes(value: string): number[] {
  const types = value.split(',').map((t) => t.trim());
  if (types.some((t) => !/^[0-9]$/.test(t))) {
    throw new UsageError(`--route-types "${value}" must be GTFS route types 0-9, comma-separated`);
  }
  return types.map(Number);
}

function bbox(value: string): OpenSkyBbox {
  const parts = value.split(',').map((p) => Number(p.trim()));
  const [lamin, lomin, lamax, lomax] = parts;
  const ok =
    parts.length === 4 &&
    parts.every((p) => Number.isFinite(p)) &&
    lamin! >= -90 &&
    lamax! <= 90 &&
    lamin! < lamax! &&
    lomin! >= -180 &&
    lomax! <= 180 &&
    lomin! < lomax!;
  if (!ok) {
    throw new UsageError(
      `--bbox "${value}" must be lamin,lomin,lamax,lomax in degrees, min below max (e.g. 41.5,-72.5,43.5,-69.5 around Boston)`,
    );
  }
  return { lamin: lamin!, lomin: lomin!, lamax: lamax!, lomax: lomax! };
}

function httpUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // falls through to the error below
  }
  throw new UsageError(`"${value}" is not an http(s) URL`);
}

/** Adds the flags of the live sources to a command. */
export function addLiveSourceOptions(command: Command): Command {
  return command
    .option(
      '--interval-ms <n>',
      'live sources: milliseconds between polls',
      intInRange(1000, 86_400_000),
    )
    .option('--max-polls <n>', 'live sources: stop after this many polls', intInRange(1, 1e9))
    .option(
      '--route-types <list>',
      'mbta: GTFS route types, e.g. 0,1 (rail) or 3 (bus)',
      routeTypes,
    )
    .option('--poll', 'mbta: poll /vehicles even when MBTA_API_KEY allows streaming')
    .option('--bbox <box>', 'opensky: lamin,lomin,lamax,lomax (fewer credits than the globe)', bbox)
    .option(
      '--daily-credits <n>',
      'opensky: credit budget a day the interval fits',
      intInRange(1, 1e7),
    )
    .option('--url <url>', 'gtfsrt: the VehiclePositions URL (protobuf or JSON)', httpUrl)
    .option(
      '--header <name:value>',
      'gtfsrt: a request header, e.g. the agency key (env GTFSRT_HEADER keeps it out of the shell history)',
    )
    .option('--base-url <url>', "mbta, opensky: API root (default: the provider's)", httpUrl)
    .option('--token-url <url>', "opensky: OAuth2 token endpoint (default: OpenSky's)", httpUrl);
}

/**
 * Whether the environment holds a live source's keys: MBTA first, then OpenSky.
 *
 * @returns the source `auto` should choose, or null to replay or simulate
 */
export function liveSourceFromKeys(): LiveSourceKind | null {
  if (envValue('MBTA_API_KEY') !== undefined) return 'mbta';
  if (
    envValue('OPENSKY_CLIENT_ID') !== undefined &&
    envValue('OPENSKY_CLIENT_SECRET') !== undefined
  ) {
    return 'opensky';
  }
  return null;
}

/**
 * Builds a live source from parsed options of addLiveSourceOptions.
 *
 * @param kind - which source
 * @param opts - the options (`feed` names a GTFS-RT feed)
 * @returns the source
 * @throws UsageError when an option the source needs is missing or half given
 */
export function liveSourceOf(kind: LiveSourceKind, opts: Record<string, unknown>): Source {
  const shared = {
    ...(opts.intervalMs === undefined ? {} : { intervalMs: opts.intervalMs as number }),
    ...(opts.maxPolls === undefined ? {} : { maxPolls: opts.maxPolls as number }),
  };
  const baseUrl = opts.baseUrl === undefined ? {} : { baseUrl: opts.baseUrl as string };
  switch (kind) {
    case 'mbta': {
      const apiKey = envValue('MBTA_API_KEY');
      const types =
        opts.routeTypes === undefined ? {} : { routeTypes: opts.routeTypes as number[] };
      // MBTA streams only to keyed clients (V3 API, "Streaming"); without a key it is polled.
      if (apiKey !== undefined && !opts.poll && opts.maxPolls === undefined) {
        return createMbtaStreamSource({ apiKey, ...baseUrl, ...types });
      }
      return createMbtaLiveSource({
        ...(apiKey === undefined ? {} : { apiKey }),
        ...baseUrl,
        ...types,
        ...shared,
      });
    }
    case 'opensky': {
      const clientId = envValue('OPENSKY_CLIENT_ID');
      const clientSecret = envValue('OPENSKY_CLIENT_SECRET');
      if ((clientId === undefined) !== (clientSecret === undefined)) {
        throw new UsageError(
          'OpenSky needs both OPENSKY_CLIENT_ID and OPENSKY_CLIENT_SECRET (an API client of your account page), or neither for anonymous access',
        );
      }
      return createOpenSkyLiveSource({
        ...(clientId === undefined
          ? {}
          : { credentials: { clientId, clientSecret: clientSecret! } }),
        ...(opts.bbox === undefined ? {} : { bbox: opts.bbox as OpenSkyBbox }),
        ...(opts.dailyCredits === undefined ? {} : { dailyCredits: opts.dailyCredits as number }),
        ...(opts.tokenUrl === undefined ? {} : { tokenUrl: opts.tokenUrl as string }),
        ...baseUrl,
        ...shared,
      });
    }
    case 'gtfsrt': {
      if (opts.url === undefined) {
        throw new UsageError('gtfsrt needs --url <VehiclePositions URL>');
      }
      const header = (opts.header as string | undefined) ?? envValue('GTFSRT_HEADER');
      return createGtfsRtLiveSource({
        url: opts.url as string,
        ...(opts.feed === undefined ? {} : { feed: opts.feed as string }),
        ...(header === undefined ? {} : { header }),
        ...shared,
      });
    }
  }
}

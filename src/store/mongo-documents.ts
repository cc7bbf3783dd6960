/**
 * Records to MongoDB documents and back (SPEC 7): tiles and latest positions with BSON dates and
 * GeoJSON points, dead letters and engine checkpoints. A batch is checked here, whole, before
 * anything of it is written: without transactions (FerretDB has none) a bad value found half-way
 * would leave half a batch behind.
 */
import { StoreError } from '../errors.js';
import type { DeadLetter, PositionEvent, RejectReason } from '../event/position-event.js';
import type { BatchCommit, TileRecord } from './store.js';

/** A GeoJSON Point (RFC 7946, section 3.1.2): [lon, lat]. */
export interface PointDocument {
  type: 'Point';
  coordinates: [number, number];
}

/**
 * The `_id` of a tile: its identity (SPEC 3) as one string,
 * `<provider>:<grid>:<cellId>:<windowStart ISO-8601 UTC with ms>`, e.g.
 * `mbta:h3r8:882a306651fffff:2022-11-22T01:10:00.000Z`. Writers key their upserts on `_id` alone:
 * every MongoDB-wire server answers an `_id` lookup from its primary key (FerretDB 1.24 scans the
 * collection for any other filter), and both engines (this one and the PySpark job) build the
 * same id, so either may rewrite the other's tiles.
 *
 * @param provider - the tile's provider
 * @param grid - `h3r<res>`
 * @param cellId - the H3 cell, lowercase hex
 * @param windowStartMs - the window's start, epoch ms
 * @returns the id
 */
export function tileIdOf(
  provider: string,
  grid: string,
  cellId: string,
  windowStartMs: number,
): string {
  return `${provider}:${grid}:${cellId}:${new Date(windowStartMs).toISOString()}`;
}

/**
 * The `_id` of a latest position: `<provider>:<vehicleId>`, the Kafka key of SPEC 1. A provider
 * name has no `:`, so the first `:` splits it unambiguously.
 *
 * @param provider - the vehicle's provider
 * @param vehicleId - the vehicle's id
 * @returns the id
 */
export function positionIdOf(provider: string, vehicleId: string): string {
  return `${provider}:${vehicleId}`;
}

/** A tile as stored in `tiles`; `lon`/`lat` repeat the centroid for bbox reads without geo indexes. */
export interface TileDocument {
  _id: string;
  provider: string;
  grid: string;
  cellId: string;
  windowStart: Date;
  windowEnd: Date;
  count: number;
  vehicles: number;
  speedSumKmh: number;
  speedSamples: number;
  avgSpeedKmh: number | null;
  centroid: PointDocument;
  lon: number;
  lat: number;
  staleAt: Date;
}

/** A latest position as stored in `positions_latest`; extensions are absent when unknown. */
export interface PositionDocument {
  _id: string;
  provider: string;
  vehicleId: string;
  lat: number;
  lon: number;
  loc: PointDocument;
  ts: Date;
  speedKmh: number | null;
  bearing: number | null;
  accuracyM: number | null;
  altitudeM?: number;
  onGround?: boolean;
  label?: string;
  routeId?: string;
  mode?: string;
}

/** A dead letter as stored; `_id` names its engine, batch and place, so a re-run adds nothing. */
export interface DeadLetterDocument {
  _id: string;
  reason: string;
  detail: string;
  raw: string;
  provider?: string;
  at: Date;
  /** The commit that wrote it (the store's commit counter): orders dead letters, newest first. */
  commitSeq: number;
  seq: number;
}

/** One engine's plan, checkpoint and counters in `checkpoints`, keyed by engine id. */
export interface CheckpointDocument {
  _id: string;
  plan?: string;
  batchId?: number;
  position?: string;
  state?: string;
  stats?: string;
  commitSeq?: number;
}

/**
 * Turns a tile into its document.
 *
 * @param t - a checked tile
 * @returns the document
 */
export function tileToDocument(t: TileRecord): TileDocument {
  const [lon, lat] = t.centroid;
  return {
    _id: tileIdOf(t.provider, t.grid, t.cellId, t.windowStartMs),
    provider: t.provider,
    grid: t.grid,
    cellId: t.cellId,
    windowStart: new Date(t.windowStartMs),
    windowEnd: new Date(t.windowEndMs),
    count: t.count,
    vehicles: t.vehicles,
    speedSumKmh: t.speedSumKmh,
    speedSamples: t.speedSamples,
    avgSpeedKmh: t.avgSpeedKmh,
    centroid: { type: 'Point', coordinates: [lon, lat] },
    lon,
    lat,
    staleAt: new Date(t.staleAtMs),
  };
}

/**
 * Turns a stored tile back into a record.
 *
 * @param d - a document of `tiles`
 * @returns the tile
 */
export function tileFromDocument(d: TileDocument): TileRecord {
  return {
    provider: d.provider,
    grid: d.grid,
    cellId: d.cellId,
    windowStartMs: d.windowStart.getTime(),
    windowEndMs: d.windowEnd.getTime(),
    count: d.count,
    vehicles: d.vehicles,
    speedSumKmh: d.speedSumKmh,
    speedSamples: d.speedSamples,
    avgSpeedKmh: d.avgSpeedKmh,
    centroid: [d.lon, d.lat],
    staleAtMs: d.staleAt.getTime(),
  };
}

/**
 * Turns a position into its document.
 *
 * @param p - a checked position
 * @returns the document
 */
export function positionToDocument(p: PositionEvent): PositionDocument {
  const doc: PositionDocument = {
    _id: positionIdOf(p.provider, p.vehicleId),
    provider: p.provider,
    vehicleId: p.vehicleId,
    lat: p.lat,
    lon: p.lon,
    loc: { type: 'Point', coordinates: [p.lon, p.lat] },
    ts: new Date(p.tsMs),
    speedKmh: p.speedKmh,
    bearing: p.bearing,
    accuracyM: p.accuracyM,
  };
  if (p.altitudeM !== undefined) doc.altitudeM = p.altitudeM;
  if (p.onGround !== undefined) doc.onGround = p.onGround;
  if (p.label !== undefined) doc.label = p.label;
  if (p.routeId !== undefined) doc.routeId = p.routeId;
  if (p.mode !== undefined) doc.mode = p.mode;
  return doc;
}

/**
 * Turns a stored position back into an event; extensions appear only when stored.
 *
 * @param d - a document of `positions_latest`
 * @returns the latest position
 */
export function positionFromDocument(d: PositionDocument): PositionEvent {
  const event: PositionEvent = {
    provider: d.provider,
    vehicleId: d.vehicleId,
    lat: d.lat,
    lon: d.lon,
    tsMs: d.ts.getTime(),
    speedKmh: d.speedKmh ?? null,
    bearing: d.bearing ?? null,
    accuracyM: d.accuracyM ?? null,
  };
  if (d.altitudeM != null) event.altitudeM = d.altitudeM;
  if (d.onGround != null) event.onGround = d.onGround;
  if (d.label != null) event.label = d.label;
  if (d.routeId != null) event.routeId = d.routeId;
  if (d.mode != null) event.mode = d.mode;
  return event;
}

/**
 * Turns a stored dead letter back into a dead letter; `provider` appears only when stored.
 *
 * @param d - a document of `dead_letters`
 * @returns the dead letter
 */
export function deadLetterFromDocument(d: DeadLetterDocument): DeadLetter {
  const letter: DeadLetter = { reason: d.reason as RejectReason, detail: d.detail, raw: d.raw };
  if (d.provider != null) letter.provider = d.provider;
  return letter;
}

function isTime(ms: unknown): boolean {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
}

function isCount(n: unknown): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isFiniteOrNull(n: unknown): boolean {
  return n === null || (typeof n === 'number' && Number.isFinite(n));
}

function badTile(t: TileRecord): string | null {
  if (typeof t.provider !== 'string' || typeof t.grid !== 'string') return 'provider or grid';
  if (typeof t.cellId !== 'string' || t.cellId === '') return 'cellId';
  if (!isTime(t.windowStartMs) || !isTime(t.windowEndMs) || !isTime(t.staleAtMs)) return 'a time';
  if (!isCount(t.count) || !isCount(t.vehicles) || !isCount(t.speedSamples)) return 'a count';
  if (!isFiniteOrNull(t.speedSumKmh) || t.speedSumKmh === null) return 'speedSumKmh';
  if (!isFiniteOrNull(t.avgSpeedKmh)) return 'avgSpeedKmh';
  if (!Array.isArray(t.centroid) || !t.centroid.every((c) => Number.isFinite(c))) return 'centroid';
  return null;
}

function badPosition(p: PositionEvent): string | null {
  if (typeof p.provider !== 'string' || typeof p.vehicleId !== 'string') return 'provider or id';
  if (!Number.isFinite(p.lat) || !Number.isFinite(p.lon)) return 'lat or lon';
  if (!isTime(p.tsMs)) return 'ts';
  if (!isFiniteOrNull(p.speedKmh) || !isFiniteOrNull(p.bearing) || !isFiniteOrNull(p.accuracyM)) {
    return 'speed, bearing or accuracy';
  }
  if (p.altitudeM !== undefined && !Number.isFinite(p.altitudeM)) return 'altitudeM';
  return null;
}

/**
 * Checks every tile and position of a batch before any write.
 *
 * @param commit - the batch
 * @throws StoreError, not retriable, naming the first bad record
 */
export function validateCommit(commit: BatchCommit): void {
  for (const t of commit.tiles) {
    const bad = badTile(t);
    if (bad !== null) {
      throw new StoreError(`tile ${t.provider}/${t.cellId}/${t.windowStartMs} has a bad ${bad}`);
    }
  }
  for (const p of commit.positions) {
    const bad = badPosition(p);
    if (bad !== null) {
      throw new StoreError(`position of ${p.provider}:${p.vehicleId} has a bad ${bad}`);
    }
  }
}

/**
 * The newest report per vehicle among a batch's candidates, the first of equal ts, in order:
 * an unordered bulk write must not decide between two reports of one vehicle.
 *
 * @param positions - candidate latest positions, in log order
 * @returns one position per (provider, vehicleId)
 */
export function newestPerVehicle(positions: PositionEvent[]): PositionEvent[] {
  const newest = new Map<string, PositionEvent>();
  for (const p of positions) {
    const key = `${p.provider}\u0000${p.vehicleId}`;
    const kept = newest.get(key);
    if (kept === undefined || p.tsMs > kept.tsMs) newest.set(key, p);
  }
  return [...newest.values()];
}

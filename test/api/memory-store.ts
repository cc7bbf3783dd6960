/**
 * Test support only: an in-memory Store for the API's tests, until and beside the SQLite store.
 * Writes follow the contract (totals keyed by identity; the newest report per vehicle wins);
 * reads follow the interface's comments: the newest window under the provider filter, windows
 * ending within `minutes` of the newest windowEnd merged per (provider, cell), positions within
 * `maxAgeSec` of the newest position, bbox by tile centre or position (a box with minLon > maxLon
 * crosses the antimeridian), busiest tiles and newest positions first, cut at `limit`.
 * `failWith` makes every read throw, to test the API's 503 answers.
 */
import type { DeadLetter, PositionEvent } from '../../src/event/position-event.js';
import type {
  BatchCommit,
  BatchPlan,
  Checkpoint,
  EngineStats,
  MapQuery,
  PositionPage,
  Store,
  StoreHealth,
  TilePage,
  TileRecord,
} from '../../src/store/store.js';
import { mergeTilesOverWindows } from '../../src/store/store.js';

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The Store held in Maps; see the module comment for what it promises. */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  private tiles = new Map<string, TileRecord>();
  private positions = new Map<string, PositionEvent>();
  private stats = new Map<string, EngineStats>();
  private checkpoints = new Map<string, Checkpoint>();
  private plans = new Map<string, BatchPlan>();
  private deadLetters: DeadLetter[] = [];
  private failure: Error | null = null;
  /** How many reads the API made, by method. */
  readonly reads: Record<string, number> = {};

  /** Makes every later read throw `err` (null to heal). */
  failWith(err: Error | null): void {
    this.failure = err;
  }

  async commitBatch(commit: BatchCommit): Promise<void> {
    for (const tile of commit.tiles) {
      this.tiles.set(`${tile.provider}|${tile.grid}|${tile.cellId}|${tile.windowStartMs}`, tile);
    }
    for (const position of commit.positions) {
      const key = `${position.provider}|${position.vehicleId}`;
      const stored = this.positions.get(key);
      if (stored === undefined || position.tsMs > stored.tsMs) this.positions.set(key, position);
    }
    this.deadLetters.push(...commit.deadLetters);
    this.checkpoints.set(commit.checkpoint.engineId, commit.checkpoint);
    this.stats.set(commit.checkpoint.engineId, commit.stats);
  }

  async savePlan(engineId: string, plan: BatchPlan): Promise<void> {
    this.plans.set(engineId, plan);
  }

  async loadPlan(engineId: string): Promise<BatchPlan | null> {
    return this.plans.get(engineId) ?? null;
  }

  async loadCheckpoint(engineId: string): Promise<Checkpoint | null> {
    return this.checkpoints.get(engineId) ?? null;
  }

  async readLatestTiles(query: MapQuery): Promise<TilePage> {
    this.read('readLatestTiles');
    const ofProviders = [...this.tiles.values()].filter((t) => hasProvider(query, t.provider));
    if (ofProviders.length === 0) return emptyTilePage();
    const newest = Math.max(...ofProviders.map((t) => t.windowStartMs));
    const inWindow = ofProviders.filter((t) => t.windowStartMs === newest);
    const shown = inWindow.filter((t) => inBbox(query, t.centroid[0], t.centroid[1]));
    return {
      windowStartMs: newest,
      windowEndMs: inWindow[0]!.windowEndMs,
      ...cut(shown.sort(tileOrder), query.limit),
    };
  }

  async readTileRange(query: MapQuery & { minutes: number }): Promise<TilePage> {
    this.read('readTileRange');
    const ofProviders = [...this.tiles.values()].filter((t) => hasProvider(query, t.provider));
    if (ofProviders.length === 0) return emptyTilePage();
    const newestEnd = Math.max(...ofProviders.map((t) => t.windowEndMs));
    const inRange = ofProviders.filter((t) => t.windowEndMs > newestEnd - query.minutes * 60_000);

    const merged = mergeTilesOverWindows(
      inRange.filter((t) => inBbox(query, t.centroid[0], t.centroid[1])),
    );
    return {
      windowStartMs: Math.min(...inRange.map((t) => t.windowStartMs)),
      windowEndMs: newestEnd,
      ...cut(merged.sort(tileOrder), query.limit),
    };
  }

  async readPositions(query: MapQuery & { maxAgeSec: number }): Promise<PositionPage> {
    this.read('readPositions');
    const ofProviders = [...this.positions.values()].filter((p) => hasProvider(query, p.provider));
    if (ofProviders.length === 0) return { positions: [], truncated: false };
    const clock = Math.max(...ofProviders.map((p) => p.tsMs));
    const shown = ofProviders
      .filter((p) => p.tsMs >= clock - query.maxAgeSec * 1000 && inBbox(query, p.lon, p.lat))
      .sort(
        (a, b) =>
          b.tsMs - a.tsMs || byText(a.provider, b.provider) || byText(a.vehicleId, b.vehicleId),
      );
    const { tiles, truncated } = cut(shown, query.limit);
    return { positions: tiles, truncated };
  }

  async readStats(engineId?: string): Promise<EngineStats | null> {
    this.read('readStats');
    if (engineId !== undefined) return this.stats.get(engineId) ?? null;
    return this.stats.values().next().value ?? null;
  }

  async readDeadLetters(limit: number): Promise<DeadLetter[]> {
    this.read('readDeadLetters');
    return this.deadLetters.slice(0, limit);
  }

  async sweepExpired(clockMs: number): Promise<number> {
    let removed = 0;
    for (const [key, tile] of this.tiles) {
      if (tile.staleAtMs <= clockMs) removed += Number(this.tiles.delete(key));
    }
    return removed;
  }

  async health(): Promise<StoreHealth> {
    return this.failure === null
      ? { ok: true, kind: this.kind }
      : { ok: false, kind: this.kind, detail: this.failure.message };
  }

  async close(): Promise<void> {}

  private read(method: string): void {
    this.reads[method] = (this.reads[method] ?? 0) + 1;
    if (this.failure !== null) throw this.failure;
  }
}

function emptyTilePage(): TilePage {
  return { windowStartMs: null, windowEndMs: null, tiles: [], truncated: false };
}

function hasProvider(query: MapQuery, provider: string): boolean {
  return query.providers === undefined || query.providers.includes(provider);
}

function inBbox(query: MapQuery, lon: number, lat: number): boolean {
  if (query.bbox === undefined) return true;
  const [minLon, minLat, maxLon, maxLat] = query.bbox;
  // RFC 7946, section 5.2: a west edge east of the east edge is a box across the antimeridian.
  const inLon = minLon <= maxLon ? lon >= minLon && lon <= maxLon : lon >= minLon || lon <= maxLon;
  return inLon && lat >= minLat && lat <= maxLat;
}

/** The busiest cells first, so that a cut keeps them (as the SQLite store does). */
function tileOrder(a: TileRecord, b: TileRecord): number {
  return b.count - a.count || byText(a.provider, b.provider) || byText(a.cellId, b.cellId);
}

function cut<T>(items: T[], limit: number): { tiles: T[]; truncated: boolean } {
  return { tiles: items.slice(0, limit), truncated: items.length > limit };
}

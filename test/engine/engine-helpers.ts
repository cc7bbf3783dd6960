/**
 * Small builders for engine tests: events as log messages, and a runner that keeps the store's
 * rules (tiles replaced by totals, positions only moved forward) in memory.
 */
import type { InputRecord, PositionEvent } from '../../src/event/position-event.js';
import { MicroBatchEngine } from '../../src/engine/micro-batch-engine.js';
import type { TileRecord } from '../../src/store/store.js';
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from '../../src/config.js';

export const NOW = Date.parse('2025-10-04T12:00:00Z');
export const BOSTON = { lat: 42.3601, lon: -71.0589 };

/** A log message for an event; `ts` may be given as an ISO string or as epoch ms. */
export function msg(fields: Record<string, unknown> & { ts?: string | number }): InputRecord {
  const ts = typeof fields.ts === 'number' ? new Date(fields.ts).toISOString() : fields.ts;
  const event = {
    provider: 'mbta',
    vehicleId: 'y1',
    ...BOSTON,
    ...fields,
    ts: ts ?? '2025-10-04T10:00:00Z',
  };
  return { kind: 'raw', value: JSON.stringify(event) };
}

/** Runs batches through an engine and keeps tiles and positions as a store would. */
export class EngineHarness {
  readonly engine: MicroBatchEngine;
  readonly tiles = new Map<string, TileRecord>();
  readonly positions = new Map<string, PositionEvent>();

  constructor(settings: Partial<EngineSettings> = {}) {
    this.engine = new MicroBatchEngine({ ...DEFAULT_ENGINE_SETTINGS, ...settings });
  }

  batch(records: InputRecord[], nowMs = NOW): this {
    const out = this.engine.processBatch(records, nowMs);
    for (const t of out.tiles) this.tiles.set(`${t.provider}|${t.cellId}|${t.windowStartMs}`, t);
    for (const p of out.positions) {
      const key = `${p.provider}|${p.vehicleId}`;
      const stored = this.positions.get(key);
      if (stored === undefined || p.tsMs > stored.tsMs) this.positions.set(key, p);
    }
    return this;
  }

  tileList(): TileRecord[] {
    return [...this.tiles.values()].sort(
      (a, b) => a.windowStartMs - b.windowStartMs || a.cellId.localeCompare(b.cellId),
    );
  }

  totalCount(): number {
    return this.tileList().reduce((sum, t) => sum + t.count, 0);
  }

  position(vehicleId: string, provider = 'mbta'): PositionEvent | undefined {
    return this.positions.get(`${provider}|${vehicleId}`);
  }
}

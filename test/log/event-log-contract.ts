/**
 * The contract every EventLog keeps, run against the embedded log (test/log) and against Kafka
 * (test/integration/kafka) alike (STYLE.md, habit 12). A log may spread entries over partitions,
 * so the contract speaks of the order of one key's entries, which every log keeps.
 */
import { describe, expect, it } from 'vitest';
import type { EventLog, LogEntry } from '../../src/log/event-log.js';
import type { LogPosition } from '../../src/store/store.js';

/** Opens a fresh, empty log; `reopen` opens the same log again after it was closed. */
export interface LogUnderTest {
  log: EventLog;
  reopen(): Promise<EventLog>;
}

function entriesOf(vehicles: number, reports: number): LogEntry[] {
  const out: LogEntry[] = [];
  for (let r = 0; r < reports; r++) {
    for (let v = 0; v < vehicles; v++) {
      out.push({ key: `mbta:y${v}`, value: JSON.stringify({ v, r }) });
    }
  }
  return out;
}

function count(position: LogPosition, start: LogPosition): number {
  const keys = new Set([...Object.keys(position), ...Object.keys(start)]);
  let n = 0;
  for (const k of keys) n += (position[k] ?? 0) - (start[k] ?? 0);
  return n;
}

/** Reads everything from `from` in batches of at most `max`; returns the entries and the end. */
async function drain(
  log: EventLog,
  from: LogPosition,
  max: number,
): Promise<{ entries: LogEntry[]; end: LogPosition; batches: number }> {
  const entries: LogEntry[] = [];
  let at = from;
  let batches = 0;
  for (;;) {
    const to = await log.plan(at, max);
    const n = count(to, at);
    if (n === 0) return { entries, end: at, batches };
    expect(n).toBeLessThanOrEqual(max);
    const got = await log.read(at, to);
    expect(got).toHaveLength(n);
    entries.push(...got);
    at = to;
    batches += 1;
  }
}

function byKey(entries: LogEntry[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const e of entries) map.set(e.key, [...(map.get(e.key) ?? []), e.value]);
  return map;
}

/**
 * Declares the contract's cases for one log implementation.
 *
 * @param name - names the implementation in the test titles
 * @param open - opens a fresh, empty log
 */
export function describeEventLogContract(name: string, open: () => Promise<LogUnderTest>): void {
  describe(`the EventLog contract: ${name}`, () => {
    it('plans nothing on an empty log', async () => {
      const { log } = await open();
      try {
        const start = log.start();
        expect(count(await log.plan(start, 100), start)).toBe(0);
      } finally {
        await log.close();
      }
    });

    it('gives back every entry once, in batches of at most maxRecords, each key in order', async () => {
      const { log } = await open();
      try {
        const written = entriesOf(7, 12);
        await log.append(written.slice(0, 40));
        await log.append(written.slice(40));
        const { entries, batches } = await drain(log, log.start(), 25);
        expect(entries).toHaveLength(written.length);
        expect(batches).toBeGreaterThanOrEqual(Math.ceil(written.length / 25));
        expect(byKey(entries)).toEqual(byKey(written));
      } finally {
        await log.close();
      }
    });

    it('reads the same range twice alike, as a batch run again after a crash does', async () => {
      const { log } = await open();
      try {
        await log.append(entriesOf(5, 6));
        const from = log.start();
        const to = await log.plan(from, 13);
        const first = await log.read(from, to);
        expect(await log.read(from, to)).toEqual(first);
        expect(first).toHaveLength(13);
      } finally {
        await log.close();
      }
    });

    it('keeps the reason of a rejected record, and reads an unknown one as a decode error', async () => {
      const { log } = await open();
      try {
        await log.append([
          { key: '', value: '{"ts":', reject: { reason: 'bad_json', detail: 'cut short' } },
          // A newer producer may write a reason this version does not know.
          { key: '', value: 'x', reject: { reason: 'brand_new' as 'bad_json', detail: 'd' } },
          { key: 'sim:v1', value: '{}' },
        ]);
        const { entries } = await drain(log, log.start(), 10);
        const rejected = entries.filter((e) => e.reject !== undefined);
        expect(
          rejected.map((e) => e.reject).sort((a, b) => a!.reason.localeCompare(b!.reason)),
        ).toEqual([
          { reason: 'bad_json', detail: 'cut short' },
          { reason: 'decode_error', detail: 'brand_new: d' },
        ]);
        expect(entries.find((e) => e.key === 'sim:v1')?.reject).toBeUndefined();
      } finally {
        await log.close();
      }
    });

    it('keeps everything when opened again, and goes on from a saved position', async () => {
      const under = await open();
      const written = entriesOf(4, 5);
      await under.log.append(written);
      const half = await under.log.plan(under.log.start(), 9);
      await under.log.close();

      const again = await under.reopen();
      try {
        await again.append([{ key: 'mbta:late', value: '"after reopen"' }]);
        const rest = await drain(again, half, 100);
        expect(rest.entries).toHaveLength(written.length - 9 + 1);
        const all = await drain(again, again.start(), 100);
        expect(all.entries).toHaveLength(written.length + 1);
      } finally {
        await again.close();
      }
    });

    it('refuses a position past its end, which belongs to another log', async () => {
      const { log } = await open();
      try {
        await log.append(entriesOf(1, 2));
        const end = await log.plan(log.start(), 100);
        const beyond: LogPosition = {};
        for (const [k, v] of Object.entries(end)) beyond[k] = v + 1000;
        if (Object.keys(beyond).length === 0) beyond['0'] = 1000;
        await expect(log.plan(beyond, 10)).rejects.toMatchObject({ code: 'HM_LOG' });
      } finally {
        await log.close();
      }
    });
  });
}

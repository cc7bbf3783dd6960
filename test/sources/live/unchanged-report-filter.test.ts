import { describe, expect, it } from 'vitest';

import type { InputRecord } from '../../../src/event/position-event.js';
import { createUnchangedReportFilter } from '../../../src/sources/unchanged-report-filter.js';

function report(vehicleId: string, ts: string, provider = 'mbta'): InputRecord {
  return { kind: 'event', event: { provider, vehicleId, lat: 42.35, lon: -71.06, ts } };
}

const noPosition: InputRecord = {
  kind: 'rejected',
  reason: 'no_position',
  detail: 'mbta vehicle "y1" has no latitude or longitude',
};

describe('createUnchangedReportFilter', () => {
  it('sends a bus polled twice with the same ts once', () => {
    const filter = createUnchangedReportFilter();
    const poll = [report('y1731', '2019-03-13T00:34:08-04:00')];

    expect(filter.apply(poll)).toEqual({ kept: poll, skipped: 0 });
    expect(filter.apply(poll)).toEqual({ kept: [], skipped: 1 });
    expect(filter.skippedTotal).toBe(1);
  });

  it('sends a report whose ts changed', () => {
    const filter = createUnchangedReportFilter();
    filter.apply([report('y1731', '2019-03-13T00:34:08-04:00')]);

    const moved = report('y1731', '2019-03-13T00:34:23-04:00');

    expect(filter.apply([moved]).kept).toEqual([moved]);
  });

  it('tells vehicles apart by provider and id', () => {
    const filter = createUnchangedReportFilter();
    filter.apply([report('1001', '2025-10-04T10:00:00Z', 'gtfsrt.stm')]);

    const others = [
      report('1001', '2025-10-04T10:00:00Z', 'gtfsrt.ttc'),
      report('1002', '2025-10-04T10:00:00Z', 'gtfsrt.stm'),
    ];

    expect(filter.apply(others)).toEqual({ kept: others, skipped: 0 });
  });

  it('lets rejected records and records without an identity through, every time', () => {
    const filter = createUnchangedReportFilter();
    const noId: InputRecord = { kind: 'event', event: { provider: 'mbta', ts: 'x' } };
    const poll = [noPosition, noId, noPosition];

    filter.apply(poll);

    expect(filter.apply(poll)).toEqual({ kept: poll, skipped: 0 });
    expect(filter.vehicleCount).toBe(0);
  });

  it('skips a re-send within one poll, keeping the order of the rest', () => {
    const filter = createUnchangedReportFilter();
    const a = report('a', '2025-10-04T10:00:00Z');
    const b = report('b', '2025-10-04T10:00:01Z');

    expect(filter.apply([a, b, a, noPosition])).toEqual({ kept: [a, b, noPosition], skipped: 1 });
  });

  it('forgets vehicles not seen for a while, so memory stays bounded', () => {
    let clock = 0;
    const filter = createUnchangedReportFilter({ forgetAfterMs: 60_000, now: () => clock });
    const parked = report('parked', '2025-10-04T10:00:00Z');
    filter.apply([parked, report('moving', '2025-10-04T10:00:00Z')]);

    clock = 50_000;
    filter.apply([report('moving', '2025-10-04T10:00:50Z')]);
    clock = 100_000;
    filter.apply([report('moving', '2025-10-04T10:01:40Z')]);

    expect(filter.vehicleCount).toBe(1);
    expect(filter.apply([parked]).kept).toEqual([parked]);
  });

  it('keeps at most maxVehicles, dropping the longest unseen first', () => {
    const filter = createUnchangedReportFilter({ maxVehicles: 2 });
    const a = report('a', '2025-10-04T10:00:00Z');
    filter.apply([a, report('b', '2025-10-04T10:00:00Z'), report('c', '2025-10-04T10:00:00Z')]);

    expect(filter.vehicleCount).toBe(2);
    expect(filter.apply([a]).kept).toEqual([a]);
  });
});

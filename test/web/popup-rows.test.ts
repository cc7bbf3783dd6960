import { describe, expect, it } from 'vitest';
import type { VehicleProperties } from '../../src/web/api-types.js';
import type { CellSummary } from '../../src/web/merge-cells.js';
import {
  cellPopupText,
  formatBearing,
  formatSpeed,
  vehiclePopupText,
} from '../../src/web/popup-rows.js';

const bus: VehicleProperties = {
  vehicleId: 'y1234',
  provider: 'mbta',
  ts: '2025-10-04T18:09:41.000Z',
  speedKmh: 31.56,
  bearing: 270,
  label: '1234',
  routeId: 'SL1',
  mode: 'bus',
  ageSec: 19,
};

function rowsOf(text: { rows: { label: string; value: string }[] }): Record<string, string> {
  return Object.fromEntries(text.rows.map((r) => [r.label, r.value]));
}

describe('formatSpeed and formatBearing', () => {
  it('round speeds to a tenth and say when none was reported', () => {
    expect(formatSpeed(31.56)).toBe('31.6 km/h');
    expect(formatSpeed(null)).toBe('not reported');
  });

  it('give bearings their compass point', () => {
    expect(formatBearing(0)).toBe('0° (N)');
    expect(formatBearing(135)).toBe('135° (SE)');
    expect(formatBearing(350)).toBe('350° (N)');
    expect(formatBearing(undefined)).toBe('not reported');
  });
});

describe('vehiclePopupText', () => {
  it('titles a vehicle by its label and lists id, route, motion and time', () => {
    const text = vehiclePopupText(bus, 'America/New_York');
    expect(text.title).toBe('1234');
    expect(text.subtitle).toBe('mbta · route SL1');
    expect(rowsOf(text)).toMatchObject({
      Vehicle: 'y1234',
      Route: 'SL1',
      Mode: 'bus',
      Speed: '31.6 km/h',
      Heading: '270° (W)',
      Reported: '14:09:41, 4 Oct 2025',
      UTC: '18:09:41, 4 Oct 2025',
      Age: '19 s before the newest report',
    });
  });

  it('titles a vehicle without label by its id, and lists aircraft fields when present', () => {
    const plane: VehicleProperties = {
      vehicleId: 'a1b2c3',
      provider: 'opensky',
      ts: '2025-10-04T18:09:41.000Z',
      label: '   ',
      altitudeM: 10668.2,
      onGround: false,
      speedKmh: null,
    };
    const text = vehiclePopupText(plane, 'UTC');
    expect(text.title).toBe('a1b2c3');
    expect(rowsOf(text)).toMatchObject({
      Altitude: '10,668 m',
      'On ground': 'no',
      Speed: 'not reported',
    });
    expect(rowsOf(text)).not.toHaveProperty('Vehicle');
  });

  it('passes markup through as characters, for the view to show as text', () => {
    const text = vehiclePopupText({ ...bus, label: '<img src=x onerror=alert(1)>' }, 'UTC');
    expect(text.title).toBe('<img src=x onerror=alert(1)>');
  });
});

describe('cellPopupText', () => {
  const cell: CellSummary = {
    cellId: '882a306669fffff',
    ring: [],
    count: 1234,
    vehicles: 40,
    avgSpeedKmh: null,
    windowStart: '2025-10-04T18:05:00.000Z',
    windowEnd: '2025-10-04T18:10:00.000Z',
    providers: [{ provider: 'mbta', count: 1234, vehicles: 40 }],
  };

  it('names the cell and its one provider and gives count, vehicles and speed', () => {
    const text = cellPopupText(cell);
    expect(text.title).toBe('Hexagon 882a306669fffff');
    expect(text.subtitle).toBe('mbta');
    expect(rowsOf(text)).toEqual({
      Reports: '1,234',
      Vehicles: '40',
      'Avg speed': 'no speed reported',
    });
  });

  it('breaks a cell of several providers down by provider', () => {
    const text = cellPopupText({
      ...cell,
      avgSpeedKmh: 22,
      providers: [
        { provider: 'mbta', count: 1200, vehicles: 38 },
        { provider: 'opensky', count: 34, vehicles: 2 },
        { provider: 'sim', count: 1, vehicles: 1 },
      ],
    });
    expect(text.subtitle).toBe('3 providers');
    expect(rowsOf(text)).toMatchObject({
      mbta: '1,200 reports',
      opensky: '34 reports',
      sim: '1 report',
      'Avg speed': '22 km/h',
    });
  });
});

/**
 * What a popup says, as plain strings: a title, a subtitle and label–value rows. Building the
 * words apart from the elements keeps the formatting testable without a browser, and leaves
 * the DOM side (popup-view.ts) one job: putting strings into textContent, never into innerHTML.
 */
import type { VehicleProperties } from './api-types.js';
import { cleanLabel } from './escape-text.js';
import type { CellSummary } from './merge-cells.js';
import { formatDuration, formatInstant, parseApiTime } from './time-label.js';

/** One line of a popup. */
export interface PopupRow {
  label: string;
  value: string;
}

/** The words of one popup. */
export interface PopupText {
  title: string;
  subtitle: string;
  rows: PopupRow[];
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];

/**
 * A speed for display.
 *
 * @param kmh - km/h, or null when the source sent none
 * @returns e.g. `34.5 km/h`, or `not reported`
 */
export function formatSpeed(kmh: number | null | undefined): string {
  return typeof kmh === 'number' && Number.isFinite(kmh)
    ? `${ONE_DECIMAL.format(kmh)} km/h`
    : 'not reported';
}

/**
 * A bearing with its compass point.
 *
 * @param degrees - 0..360 clockwise from north, or null
 * @returns e.g. `270° (W)`, or `not reported`
 */
export function formatBearing(degrees: number | null | undefined): string {
  if (typeof degrees !== 'number' || !Number.isFinite(degrees)) return 'not reported';
  const normalized = ((degrees % 360) + 360) % 360;
  const point = COMPASS[Math.round(normalized / 45) % 8] as string;
  return `${INTEGER.format(normalized)}° (${point})`;
}

/**
 * The words of a vehicle's popup. Every outside string goes through cleanLabel; none of them is
 * ever read as HTML (the view sets textContent).
 *
 * @param p - the vehicle's properties from `/api/positions/latest`
 * @param timeZone - the viewer's zone, for the local time of the report
 * @returns title (label, else vehicle id), subtitle (provider, route) and rows
 */
export function vehiclePopupText(p: VehicleProperties, timeZone: string): PopupText {
  const vehicleId = cleanLabel(p.vehicleId, 128);
  const label = cleanLabel(p.label);
  const route = cleanLabel(p.routeId);
  const rows: PopupRow[] = [];

  // Identity, then motion, then aircraft-only fields, then time: the order a dispatcher reads.
  if (label !== '' && label !== vehicleId) rows.push({ label: 'Vehicle', value: vehicleId });
  if (route !== '') rows.push({ label: 'Route', value: route });
  const mode = cleanLabel(p.mode, 32);
  if (mode !== '') rows.push({ label: 'Mode', value: mode });
  rows.push({ label: 'Speed', value: formatSpeed(p.speedKmh) });
  rows.push({ label: 'Heading', value: formatBearing(p.bearing) });
  if (typeof p.altitudeM === 'number' && Number.isFinite(p.altitudeM)) {
    rows.push({ label: 'Altitude', value: `${INTEGER.format(p.altitudeM)} m` });
  }
  if (typeof p.onGround === 'boolean') {
    rows.push({ label: 'On ground', value: p.onGround ? 'yes' : 'no' });
  }

  const tsMs = parseApiTime(p.ts);
  if (tsMs !== null) {
    rows.push({ label: 'Reported', value: formatInstant(tsMs, timeZone) });
    rows.push({ label: 'UTC', value: formatInstant(tsMs, 'UTC') });
  }
  if (typeof p.ageSec === 'number' && Number.isFinite(p.ageSec)) {
    rows.push({ label: 'Age', value: `${formatDuration(p.ageSec)} before the newest report` });
  }

  const subtitle = [cleanLabel(p.provider, 48), route === '' ? '' : `route ${route}`]
    .filter((part) => part !== '')
    .join(' · ');
  return { title: label === '' ? vehicleId : label, subtitle, rows };
}

/**
 * The words of a hexagon's popup.
 *
 * @param cell - a merged cell
 * @returns title (`Hexagon` and the H3 index), subtitle (reports) and rows, one per provider
 */
export function cellPopupText(cell: CellSummary): PopupText {
  const rows: PopupRow[] = [
    { label: 'Reports', value: INTEGER.format(cell.count) },
    { label: 'Vehicles', value: INTEGER.format(cell.vehicles) },
    {
      label: 'Avg speed',
      value: cell.avgSpeedKmh === null ? 'no speed reported' : formatSpeed(cell.avgSpeedKmh),
    },
  ];
  if (cell.providers.length > 1) {
    for (const share of cell.providers) {
      rows.push({
        label: cleanLabel(share.provider, 48),
        value: `${INTEGER.format(share.count)} report${share.count === 1 ? '' : 's'}`,
      });
    }
  }
  const only = cell.providers.length === 1 ? cell.providers[0]?.provider : undefined;
  return {
    title: `Hexagon ${cleanLabel(cell.cellId, 20)}`,
    subtitle: only === undefined ? `${cell.providers.length} providers` : cleanLabel(only, 48),
    rows,
  };
}

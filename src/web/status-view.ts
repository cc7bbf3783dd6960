/**
 * The text parts of the page around the map: the window in the header (local, and UTC when that
 * reads otherwise; complete or still filling), the live indicator, the banner that says the API
 * cannot be reached, and the engine's counters in the side panel. Every string goes in as text.
 */
import type { StatsResponse, TileCollection } from './api-types.js';
import { byId, h, setText } from './dom-build.js';
import { statsRows } from './stats-rows.js';
import { formatDuration, formatWindow, parseApiTime } from './time-label.js';

/** What the tiles on screen cover: the newest window, or the last N minutes. */
export type TimeSpan = { kind: 'latest' } | { kind: 'range'; minutes: number };

/** The state the live indicator shows. */
export type LiveState = 'connecting' | 'live' | 'paused' | 'offline';

function spanOfTiles(tiles: TileCollection): { start: number | null; end: number | null } {
  let start = parseApiTime(tiles.windowStart);
  let end = parseApiTime(tiles.windowEnd);
  if (start !== null && end !== null) return { start, end };

  // A range answer may leave the top-level times out; the features still carry theirs.
  for (const feature of tiles.features) {
    const s = parseApiTime(feature.properties?.windowStart);
    const e = parseApiTime(feature.properties?.windowEnd);
    if (s !== null && (start === null || s < start)) start = s;
    if (e !== null && (end === null || e > end)) end = e;
  }
  return { start, end };
}

/**
 * Shows the window of the hexagons in the header.
 *
 * @param tiles - the tile answer drawn, or null before the first one
 * @param span - latest window or last minutes
 * @param timeZone - the viewer's zone
 */
export function renderWindow(tiles: TileCollection | null, span: TimeSpan, timeZone: string): void {
  const kind = byId('window-kind');
  const local = byId('window-local');
  const utc = byId('window-utc');
  const badge = byId('window-state');
  const { start, end } = tiles === null ? { start: null, end: null } : spanOfTiles(tiles);

  setText(kind, span.kind === 'latest' ? 'Latest window' : `Last ${span.minutes} min`);
  if (start === null || end === null) {
    setText(local, 'no data yet');
    setText(utc, '');
    utc.hidden = true;
    setText(badge, 'waiting');
    badge.dataset.state = 'waiting';
    return;
  }

  const label = formatWindow(start, end, timeZone);
  setText(local, `${label.local} (${formatDuration((end - start) / 1000)})`);
  local.title = `Times in ${label.zone}`;
  // A viewer on UTC's clock would read the same times twice; the zone stays in the tooltip.
  setText(utc, label.sameAsUtc ? '' : label.utc);
  utc.hidden = label.sameAsUtc;
  const state = span.kind === 'range' ? 'merged' : tiles?.complete === true ? 'complete' : 'open';
  setText(
    badge,
    state === 'merged' ? 'merged windows' : state === 'complete' ? 'complete' : 'still filling',
  );
  badge.title =
    state === 'open'
      ? 'The watermark has not passed the end of this window yet: late reports may still add to it'
      : state === 'complete'
        ? 'The watermark has passed the end of this window: its counts are final'
        : 'Counts summed over every window that ended in the span';
  badge.dataset.state = state;
}

/**
 * Shows the live indicator.
 *
 * @param state - connecting, live, paused (tab hidden) or offline
 * @param detail - the words after the state, e.g. `updated 14:05:09`
 */
export function renderLive(state: LiveState, detail: string): void {
  const live = byId('live-status');
  live.dataset.state = state;
  const words = { connecting: 'Connecting', live: 'Live', paused: 'Paused', offline: 'Offline' };
  setText(byId('live-text'), words[state]);
  setText(byId('live-detail'), detail === '' ? '' : ` · ${detail}`);
}

/**
 * Shows or hides the banner above the map.
 *
 * @param message - what went wrong and what the page does about it; null hides the banner
 */
export function renderBanner(message: string | null): void {
  const banner = byId('banner');
  banner.hidden = message === null;
  setText(banner, message ?? '');
}

/**
 * Lists the engine's counters, updating the values of rows already shown.
 *
 * @param stats - the stats answer, or null while none has arrived
 * @param timeZone - the viewer's zone
 */
export function renderStats(stats: StatsResponse | null, timeZone: string): void {
  if (stats === null) return;
  const list = byId('stats');
  const rows = statsRows(stats, timeZone);
  for (const row of rows) {
    let item = list.querySelector<HTMLElement>(`.stat-${row.key}`);
    if (item === null) {
      item = h(
        'div',
        { class: `stat stat-${row.key}` },
        h('dt', {}, row.label),
        h('dd', {}, h('span', { class: 'stat-value' }), h('span', { class: 'stat-sub' })),
      );
      list.append(item);
    }
    item.title = row.detail;
    const value = item.querySelector('.stat-value');
    const sub = item.querySelector('.stat-sub');
    if (value !== null) setText(value, row.value);
    if (sub !== null) setText(sub, row.sub);
  }
  const rejected = rows.find((row) => row.key === 'rejected');
  const reasons = rejected === undefined || rejected.value === '0' ? '' : rejected.detail;
  setText(byId('stats-reasons'), reasons === '' ? '' : `Rejected by reason: ${reasons}`);
}

/**
 * Colours of the map: a sequential ramp for counts (light for few reports, dark for many, so the
 * busy places stand out on a light background), a slow-to-fast ramp for speeds (red where traffic
 * crawls, blue where it flows), a grey for hexagons without any speed, and one steady colour per
 * provider for the vehicle markers. A scale joins breaks, colours and legend labels.
 */
import {
  SPEED_BREAKS_KMH,
  classIndexOf,
  countBreaks,
  integerClassLabels,
  rangeClassLabels,
} from './legend-breaks.js';

/** Anchors of the count ramp, lightest first; colours in between are interpolated. */
export const COUNT_RAMP: readonly string[] = [
  '#fbf3b4',
  '#f7c65a',
  '#ef8a3c',
  '#d9503f',
  '#a3275a',
  '#5b1657',
];

/** Anchors of the speed ramp, slowest first. */
export const SPEED_RAMP: readonly string[] = [
  '#b9203a',
  '#e8713a',
  '#f1c84b',
  '#8ec46c',
  '#2f9c8f',
  '#2d62a8',
  '#3a2c7c',
];

/** Fill of a hexagon whose reports carry no speed. */
export const NO_DATA_COLOR = '#a7afb8';

/** Marker colours: dark and saturated, so that they read over every class of both ramps. */
const PROVIDER_COLORS: readonly string[] = [
  '#1d4ed8',
  '#0f766e',
  '#7c3aed',
  '#be185d',
  '#111827',
  '#15803d',
  '#9a3412',
  '#0369a1',
];

const KNOWN_PROVIDER_COLORS: Record<string, string> = {
  mbta: '#1d4ed8',
  'gtfsrt.mbta': '#0f766e',
  opensky: '#7c3aed',
  sim: '#111827',
};

/** Breaks, colours and labels of one legend. */
export interface ColorScale {
  kind: 'count' | 'speed';
  breaks: number[];
  colors: string[];
  labels: string[];
}

/** How many count classes the legend shows at most. */
export const COUNT_CLASSES = 6;

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function rgbToHex(rgb: readonly number[]): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * A colour along a ramp, interpolated linearly in RGB between its anchors.
 *
 * @param ramp - two or more `#rrggbb` anchors
 * @param t - position along the ramp, clamped to 0..1
 * @returns a `#rrggbb` colour
 */
export function rampColor(ramp: readonly string[], t: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const scaled = clamped * (ramp.length - 1);
  const i = Math.min(ramp.length - 2, Math.floor(scaled));
  const from = hexToRgb(ramp[i] as string);
  const to = hexToRgb(ramp[i + 1] as string);
  const f = scaled - i;
  return rgbToHex(from.map((c, k) => c + ((to[k] as number) - c) * f));
}

/**
 * Picks `n` colours spread over a ramp, from its light end to its dark end.
 *
 * @param ramp - two or more anchors
 * @param n - how many colours
 * @returns `n` colours; a single class takes the middle of the ramp
 */
export function sampleRamp(ramp: readonly string[], n: number): string[] {
  if (n <= 0) return [];
  if (n === 1) return [rampColor(ramp, 0.5)];
  return Array.from({ length: n }, (_, i) => rampColor(ramp, i / (n - 1)));
}

/**
 * Relative luminance of a colour (WCAG 2.x definition), for contrast checks.
 *
 * @param hex - a `#rrggbb` colour
 * @returns 0 for black to 1 for white
 */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = hexToRgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * The count scale of the hexagons on screen.
 *
 * @param counts - the count of every hexagon drawn
 * @returns quantile classes, coloured along the count ramp; no class when there is no count
 */
export function buildCountScale(counts: readonly number[]): ColorScale {
  const breaks = countBreaks(counts, COUNT_CLASSES);
  const max = counts.reduce((m, c) => (Number.isFinite(c) && c > m ? c : m), 0);
  // A few classes take the dark half of the ramp, so that one busy cell is not drawn pale.
  const colors = sampleRamp(COUNT_RAMP, COUNT_CLASSES).slice(COUNT_CLASSES - breaks.length);
  return { kind: 'count', breaks, colors, labels: integerClassLabels(breaks, max) };
}

/**
 * The fixed speed scale.
 *
 * @returns one class per speed break, coloured slow (red) to fast (blue)
 */
export function buildSpeedScale(): ColorScale {
  const breaks = [...SPEED_BREAKS_KMH];
  return {
    kind: 'speed',
    breaks,
    colors: sampleRamp(SPEED_RAMP, breaks.length),
    labels: rangeClassLabels(breaks, 'km/h'),
  };
}

/**
 * The fill of a value on a scale.
 *
 * @param scale - a count or speed scale
 * @param value - the hexagon's count or average speed; null when it has none
 * @returns the class colour, or NO_DATA_COLOR for null or a scale without classes
 */
export function colorOf(scale: ColorScale, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NO_DATA_COLOR;
  const index = classIndexOf(value, scale.breaks);
  return index < 0 ? NO_DATA_COLOR : (scale.colors[index] ?? NO_DATA_COLOR);
}

/**
 * The steady marker colour of a provider: fixed for the usual ones, else chosen by a hash of the
 * name, so that a provider keeps its colour across refreshes and page loads.
 *
 * @param provider - a provider name such as `mbta` or `gtfsrt.septa`
 * @returns a `#rrggbb` colour
 */
export function providerColor(provider: string): string {
  const known = KNOWN_PROVIDER_COLORS[provider];
  if (known) return known;
  let hash = 0;
  for (const ch of provider) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return PROVIDER_COLORS[hash % PROVIDER_COLORS.length] as string;
}

import { cellToBoundary, greatCircleDistance, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { hexagonStyleFor, isSameStyle, markerStyleAt } from '../../src/web/zoom-styles.js';

/** Width on screen of a resolution-8 hexagon in Boston (Web Mercator, 256-px tiles). */
function bostonHexagonPx(zoom: number): number {
  const ring = cellToBoundary(latLngToCell(42.356, -71.06, 8));
  const metres = greatCircleDistance(ring[0]!, ring[3]!, 'm');
  const metresPerPixel = (40_075_016.686 * Math.cos((42.356 * Math.PI) / 180)) / 2 ** (zoom + 8);
  return metres / metresPerPixel;
}

describe('markerStyleAt', () => {
  it('draws small, see-through markers below zoom 12', () => {
    for (const zoom of [3, 9, 10.5, 11, 11.5]) {
      const style = markerStyleAt(zoom);
      expect(style.radius).toBeLessThanOrEqual(3);
      expect(style.radius).toBeGreaterThanOrEqual(2);
      expect(style.fillOpacity).toBeLessThan(0.8);
    }
  });

  it('grows the markers, their outline and their opacity as the map zooms in', () => {
    const zooms = [2, 9, 10, 11, 12, 13, 14, 15, 16, 18];
    const styles = zooms.map(markerStyleAt);
    for (let i = 1; i < styles.length; i += 1) {
      expect(styles[i]!.radius).toBeGreaterThanOrEqual(styles[i - 1]!.radius);
      expect(styles[i]!.weight).toBeGreaterThanOrEqual(styles[i - 1]!.weight);
      expect(styles[i]!.fillOpacity).toBeGreaterThanOrEqual(styles[i - 1]!.fillOpacity);
    }
    expect(markerStyleAt(18)).toEqual({ radius: 6, weight: 1.5, fillOpacity: 0.95 });
  });

  it('hands out a copy that the caller may change', () => {
    markerStyleAt(9).radius = 40;
    expect(markerStyleAt(9).radius).toBeLessThanOrEqual(3);
  });
});

describe('hexagonStyleFor', () => {
  it('draws small hexagons without outline and nearly opaque, so that their colours read', () => {
    for (const width of [0, 3, 12, 23.9, Number.NaN]) {
      const style = hexagonStyleFor(width);
      expect(style.weight).toBe(0);
      expect(style.fillOpacity).toBeGreaterThanOrEqual(0.85);
    }
  });

  it('adds an outline from 24 px and lets the fill thin out as hexagons grow', () => {
    const widths = [24, 47, 48, 119, 120, 600];
    const styles = widths.map(hexagonStyleFor);
    for (const style of styles) expect(style.weight).toBeGreaterThan(0);
    for (let i = 1; i < styles.length; i += 1) {
      expect(styles[i]!.fillOpacity).toBeLessThanOrEqual(styles[i - 1]!.fillOpacity);
      expect(styles[i]!.weight).toBeGreaterThanOrEqual(styles[i - 1]!.weight);
    }
    expect(styles.at(-1)!.fillOpacity).toBeGreaterThanOrEqual(0.6);
  });

  it('gives Boston resolution-8 cells no outline at zoom 11 and one from zoom 12', () => {
    expect(hexagonStyleFor(bostonHexagonPx(11)).weight).toBe(0);
    expect(hexagonStyleFor(bostonHexagonPx(12)).weight).toBeGreaterThan(0);
  });
});

describe('isSameStyle', () => {
  it('compares every field', () => {
    expect(isSameStyle(markerStyleAt(9), markerStyleAt(9.5))).toBe(true);
    expect(isSameStyle(markerStyleAt(9), markerStyleAt(13))).toBe(false);
    expect(isSameStyle(hexagonStyleFor(10), hexagonStyleFor(20))).toBe(true);
    expect(isSameStyle(hexagonStyleFor(10), { ...hexagonStyleFor(10), opacity: 0.3 })).toBe(false);
  });
});

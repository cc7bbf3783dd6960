import { describe, expect, it } from 'vitest';
import {
  COUNT_CLASSES,
  COUNT_RAMP,
  NO_DATA_COLOR,
  SPEED_RAMP,
  buildCountScale,
  buildSpeedScale,
  colorOf,
  providerColor,
  rampColor,
  relativeLuminance,
  sampleRamp,
} from '../../src/web/color-scale.js';

describe('rampColor', () => {
  it('gives the anchors at their positions and clamps outside 0..1', () => {
    expect(rampColor(COUNT_RAMP, 0)).toBe(COUNT_RAMP[0]);
    expect(rampColor(COUNT_RAMP, 1)).toBe(COUNT_RAMP.at(-1));
    expect(rampColor(COUNT_RAMP, -4)).toBe(COUNT_RAMP[0]);
    expect(rampColor(COUNT_RAMP, 9)).toBe(COUNT_RAMP.at(-1));
  });

  it('interpolates between two anchors', () => {
    expect(rampColor(['#000000', '#ffffff'], 0.5)).toBe('#808080');
  });
});

describe('sampleRamp', () => {
  it('runs the count ramp from light to dark, so that more reports read darker', () => {
    const colors = sampleRamp(COUNT_RAMP, 7);
    const luminance = colors.map(relativeLuminance);
    for (let i = 1; i < luminance.length; i += 1) {
      expect(luminance[i]).toBeLessThan(luminance[i - 1] as number);
    }
  });

  it('gives distinct colours, and the middle of the ramp for a single class', () => {
    expect(new Set(sampleRamp(SPEED_RAMP, 8)).size).toBe(8);
    expect(sampleRamp(COUNT_RAMP, 1)).toEqual([rampColor(COUNT_RAMP, 0.5)]);
    expect(sampleRamp(COUNT_RAMP, 0)).toEqual([]);
  });
});

describe('buildCountScale', () => {
  it('has one colour and one label per class, from the data on screen', () => {
    const scale = buildCountScale([1, 1, 1, 2, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]);
    expect(scale.kind).toBe('count');
    expect(scale.colors).toHaveLength(scale.breaks.length);
    expect(scale.labels).toHaveLength(scale.breaks.length);
    expect(scale.labels.at(-1)).toMatch(/–144$/);
  });

  it('draws few classes with the dark end of the ramp, so a lone busy cell is not pale', () => {
    const scale = buildCountScale([4, 4, 9]);
    const full = sampleRamp(COUNT_RAMP, COUNT_CLASSES);
    expect(scale.colors).toEqual(full.slice(-2));
  });

  it('colours nothing when there is no hexagon', () => {
    const scale = buildCountScale([]);
    expect(scale.breaks).toEqual([]);
    expect(colorOf(scale, 3)).toBe(NO_DATA_COLOR);
  });
});

describe('colorOf', () => {
  it('gives each speed the colour of its fixed class, and grey to no speed', () => {
    const scale = buildSpeedScale();
    expect(colorOf(scale, 0)).toBe(scale.colors[0]);
    expect(colorOf(scale, 4.99)).toBe(scale.colors[0]);
    expect(colorOf(scale, 5)).toBe(scale.colors[1]);
    expect(colorOf(scale, 880)).toBe(scale.colors.at(-1));
    expect(colorOf(scale, null)).toBe(NO_DATA_COLOR);
    expect(colorOf(scale, Number.NaN)).toBe(NO_DATA_COLOR);
  });
});

describe('providerColor', () => {
  it('gives the usual providers distinct fixed colours', () => {
    const colors = ['mbta', 'gtfsrt.mbta', 'opensky', 'sim'].map(providerColor);
    expect(new Set(colors).size).toBe(4);
  });

  it('gives any other provider the same colour every time', () => {
    expect(providerColor('gtfsrt.septa')).toBe(providerColor('gtfsrt.septa'));
    expect(providerColor('gtfsrt.septa')).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('keeps marker colours dark enough for a white outline to show (contrast at least 3:1)', () => {
    for (const provider of ['mbta', 'gtfsrt.mbta', 'opensky', 'sim', 'a', 'b', 'gtfsrt.x', 'q']) {
      const contrast = 1.05 / (relativeLuminance(providerColor(provider)) + 0.05);
      expect(contrast).toBeGreaterThanOrEqual(3);
    }
  });
});

/**
 * Class breaks of the legend. Counts per hexagon are heavily skewed (a few terminals and stations
 * hold most reports, most cells see one bus), so their breaks are quantiles of the data on screen:
 * each class holds about as many hexagons as the next, and ties move a break up instead of
 * leaving a class empty. Speeds use one fixed km/h scale, so that colours mean the same thing
 * from one refresh to the next and between a bus and an aircraft.
 *
 * A list of breaks holds the lower bound of each class, ascending: class i covers
 * [breaks[i], breaks[i + 1]), and the last class is open above.
 */

/** Lower bounds of the speed classes in km/h: walking pace, city traffic, highway, aircraft. */
export const SPEED_BREAKS_KMH: readonly number[] = [0, 5, 15, 30, 50, 80, 150, 400];

const NUMBER_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * Rounds a break down to two significant digits, so that a legend reads 130 rather than 137.
 *
 * @param value - a positive break
 * @returns the value itself below 100, else the value floored to two significant digits
 */
export function roundBreakDown(value: number): number {
  if (value < 100) return Math.floor(value);
  const step = 10 ** (Math.floor(Math.log10(value)) - 1);
  return Math.floor(value / step) * step;
}

/**
 * Quantile breaks for counts: as many classes as allowed, each holding about the same number of
 * hexagons, with readable (rounded) bounds.
 *
 * @param values - counts of the hexagons on screen; non-finite and non-positive ones are ignored
 * @param maxClasses - the most classes wanted (at least 1)
 * @returns strictly ascending lower bounds; empty when there is no value
 */
export function countBreaks(values: readonly number[], maxClasses: number): number[] {
  const sorted = values.filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [];
  const breaks = [sorted[0] as number];
  let start = 0;

  // Each step splits what is left into equal shares for the classes still to fill, so that a
  // long run of equal counts (hundreds of cells with 1) takes one class and leaves the others to
  // the tail. A rounded bound that would empty the current class gives way to the next value.
  for (let slot = 1; slot < maxClasses; slot += 1) {
    const target = start + Math.ceil((n - start) / (maxClasses - slot + 1));
    if (target >= n) break;
    const floor = sorted[start] as number;
    let next = roundBreakDown(sorted[target] as number);
    if (next <= floor) {
      const above = sorted.find((v) => v > floor);
      if (above === undefined) break;
      next = above;
    }
    breaks.push(next);
    start = sorted.findIndex((v) => v >= next);
  }
  return breaks;
}

/**
 * The class a value falls in.
 *
 * @param value - the value to classify
 * @param breaks - ascending lower bounds
 * @returns the index of the class, 0 for values below the first bound, -1 when there is no class
 */
export function classIndexOf(value: number, breaks: readonly number[]): number {
  if (breaks.length === 0) return -1;
  let index = 0;
  for (let i = 1; i < breaks.length; i += 1) {
    if (value >= (breaks[i] as number)) index = i;
    else break;
  }
  return index;
}

/**
 * Legend labels for integer classes (counts): `1`, `2–3`, `4–9`, `10–212`.
 *
 * @param breaks - ascending integer lower bounds
 * @param max - the largest value on screen, closing the last class
 * @returns one label per class
 */
export function integerClassLabels(breaks: readonly number[], max: number): string[] {
  return breaks.map((low, i) => {
    const next = breaks[i + 1];
    const high = next === undefined ? Math.max(low, Math.floor(max)) : next - 1;
    return high > low
      ? `${NUMBER_FORMAT.format(low)}–${NUMBER_FORMAT.format(high)}`
      : NUMBER_FORMAT.format(low);
  });
}

/**
 * Legend labels for a continuous scale with a unit: `< 5 km/h`, `5–15 km/h`, `≥ 400 km/h`.
 *
 * @param breaks - ascending lower bounds, the first being the smallest possible value
 * @param unit - appended to every label
 * @returns one label per class
 */
export function rangeClassLabels(breaks: readonly number[], unit: string): string[] {
  return breaks.map((low, i) => {
    const next = breaks[i + 1];
    if (next === undefined) return `≥ ${NUMBER_FORMAT.format(low)} ${unit}`;
    if (i === 0) return `< ${NUMBER_FORMAT.format(next)} ${unit}`;
    return `${NUMBER_FORMAT.format(low)}–${NUMBER_FORMAT.format(next)} ${unit}`;
  });
}

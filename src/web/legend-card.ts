/**
 * The legend card over the map's lower left corner: what the colours mean in the current mode.
 * Counts get quantile classes of the hexagons on screen (so the card says how many), speeds a
 * fixed km/h scale with a grey for hexagons whose reports carried no speed.
 */
import { NO_DATA_COLOR, type ColorScale } from './color-scale.js';
import { h, setText } from './dom-build.js';

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function legendRow(color: string, label: string): HTMLLIElement {
  const swatch = h('span', { class: 'legend-swatch', 'aria-hidden': 'true' });
  swatch.style.background = color;
  return h('li', { class: 'legend-row' }, swatch, h('span', { class: 'legend-label' }, label));
}

/**
 * Redraws the legend.
 *
 * @param card - the legend element of index.html (`#legend`)
 * @param scale - the scale the hexagons are drawn with
 * @param hexagons - how many hexagons are drawn
 * @param withoutSpeed - how many of them have no speed (shown in the speed legend)
 */
export function renderLegend(
  card: HTMLElement,
  scale: ColorScale,
  hexagons: number,
  withoutSpeed: number,
): void {
  const title = card.querySelector('.legend-title');
  const note = card.querySelector('.legend-note');
  const list = card.querySelector('.legend-rows');
  if (title === null || note === null || list === null) return;

  // Title and note: what is measured, and how the classes were made.
  if (scale.kind === 'count') {
    setText(title, 'Reports per hexagon');
    setText(
      note,
      hexagons === 0
        ? 'No hexagon to show yet'
        : `Quantile classes of ${INTEGER.format(hexagons)} hexagon${hexagons === 1 ? '' : 's'}`,
    );
  } else {
    setText(title, 'Average speed');
    setText(note, 'Fixed scale, slow to fast');
  }

  // Rows: highest class on top, as on most thematic maps.
  const rows = scale.labels.map((label, i) => legendRow(scale.colors[i] ?? NO_DATA_COLOR, label));
  rows.reverse();
  if (scale.kind === 'speed' && withoutSpeed > 0) {
    rows.push(legendRow(NO_DATA_COLOR, `no speed reported (${INTEGER.format(withoutSpeed)})`));
  }
  list.replaceChildren(...rows);
}

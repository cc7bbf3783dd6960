/**
 * The provider checkboxes of the side panel, built from the providers the API has shown so far.
 * A provider stays listed once seen (a feed that pauses should not make its box vanish under the
 * user's pointer); a new one is added ticked, in alphabetical place. The boxes are updated in
 * place, so keyboard focus survives a refresh.
 */
import { providerColor } from './color-scale.js';
import { h, setText } from './dom-build.js';

interface ProviderEntry {
  input: HTMLInputElement;
  count: HTMLElement;
  row: HTMLElement;
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** The checkboxes and the selection they hold. */
export class ProviderFilter {
  private readonly list: HTMLElement;
  private readonly onChange: () => void;
  private readonly entries = new Map<string, ProviderEntry>();

  /**
   * @param list - the container of the boxes (`#provider-list`)
   * @param onChange - called after the user ticks or unticks a box
   */
  constructor(list: HTMLElement, onChange: () => void) {
    this.list = list;
    this.onChange = onChange;
  }

  /**
   * Lists the providers of a refresh and their vehicle counts.
   *
   * @param vehiclesByProvider - vehicles on the map per provider; providers with tiles only count 0
   */
  update(vehiclesByProvider: ReadonlyMap<string, number>): void {
    for (const provider of vehiclesByProvider.keys()) {
      if (!this.entries.has(provider)) this.add(provider);
    }
    for (const [provider, entry] of this.entries) {
      const vehicles = vehiclesByProvider.get(provider) ?? 0;
      setText(entry.count, `${INTEGER.format(vehicles)} vehicle${vehicles === 1 ? '' : 's'}`);
    }
    const empty = this.list.querySelector('.provider-empty');
    if (empty !== null && this.entries.size > 0) empty.remove();
  }

  /**
   * @param provider - a provider name
   * @returns true when its box is ticked, or when it is not listed yet (new data shows by default)
   */
  includes(provider: string): boolean {
    return this.entries.get(provider)?.input.checked ?? true;
  }

  /** @returns the ticked providers, sorted, or undefined when all are ticked (no filter to send) */
  selection(): string[] | undefined {
    const ticked = [...this.entries]
      .filter(([, e]) => e.input.checked)
      .map(([p]) => p)
      .sort();
    return ticked.length === this.entries.size ? undefined : ticked;
  }

  private add(provider: string): void {
    const id = `provider-${this.entries.size}`;
    const input = h('input', { type: 'checkbox', id, value: provider });
    input.checked = true;
    input.addEventListener('change', () => this.onChange());
    const swatch = h('span', { class: 'provider-swatch', 'aria-hidden': 'true' });
    swatch.style.background = providerColor(provider);
    const count = h('span', { class: 'provider-count' });
    const row = h(
      'div',
      { class: 'provider-row' },
      input,
      h('label', { for: id }, swatch, h('span', { class: 'provider-name' }, provider), count),
    );
    this.entries.set(provider, { input, count, row });

    // Keep the list alphabetical: insert before the first row whose name sorts after.
    const after = [...this.entries].find(([p, e]) => p > provider && e.row.isConnected);
    if (after === undefined) this.list.append(row);
    else this.list.insertBefore(row, after[1].row);
  }
}

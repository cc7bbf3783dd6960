import { describe, expect, it } from 'vitest';
import { valueText } from '../../src/event/value-text.js';

describe('valueText', () => {
  it('quotes strings for a detail and renders other values as JSON', () => {
    expect(valueText('a"b', 80)).toBe('"a\\"b"');
    expect(valueText('a"b', 80, false)).toBe('a"b');
    expect(valueText(12.5, 80)).toBe('12.5');
    expect(valueText(null, 80)).toBe('null');
    expect(valueText([1, { a: true }], 80)).toBe('[1,{"a":true}]');
    expect(valueText(undefined, 80)).toBe('undefined');
  });

  it('never throws on values String() cannot render', () => {
    // String() throws on both: a toString that is not a function, and no prototype at all.
    expect(() => String({ toString: 1 } as unknown as string)).toThrow();
    expect(valueText({ toString: 1 }, 80)).toBe('{"toString":1}');
    expect(valueText(Object.create(null), 80)).toBe('{}');
    expect(valueText(10n, 80)).toBe('[object BigInt]');
    let deep: unknown = 0;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(valueText(deep, 80)).toBe('[object Array]');
  });

  it('cuts long text to the limit, ending with an ellipsis and keeping surrogate pairs whole', () => {
    expect(valueText('x'.repeat(100), 10, false)).toBe('xxxxxxx...');
    expect(valueText('xxxxxx\u{1F68C}yyyy', 10, false)).toBe('xxxxxx...');
    expect(valueText('short', 10, false)).toBe('short');
  });
});

import { describe, expect, it } from 'vitest';
import { cleanLabel, escapeHtml } from '../../src/web/escape-text.js';

describe('escapeHtml', () => {
  it('turns markup into text that HTML shows as typed', () => {
    expect(escapeHtml('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml(`"a" & 'b'`)).toBe('&quot;a&quot; &amp; &#39;b&#39;');
  });

  it('leaves plain text alone', () => {
    expect(escapeHtml('© OpenStreetMap contributors')).toBe('© OpenStreetMap contributors');
  });
});

describe('cleanLabel', () => {
  it('trims the padding OpenSky leaves on callsigns', () => {
    expect(cleanLabel('DAL123  ')).toBe('DAL123');
  });

  it('keeps markup characters (the view shows them as text)', () => {
    expect(cleanLabel('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
  });

  it('replaces control and direction-override characters and joins white space', () => {
    expect(cleanLabel('bus\u0000\n 12\u202Eevil')).toBe('bus 12 evil');
  });

  it('cuts long labels with an ellipsis, counting code points', () => {
    const label = '🚌'.repeat(100);
    const cleaned = cleanLabel(label, 10);
    expect(Array.from(cleaned)).toHaveLength(10);
    expect(cleaned.endsWith('…')).toBe(true);
  });

  it('gives an empty string for null, undefined and non-strings', () => {
    expect(cleanLabel(null)).toBe('');
    expect(cleanLabel(undefined)).toBe('');
    expect(cleanLabel(42 as unknown as string)).toBe('');
  });
});

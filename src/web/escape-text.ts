/**
 * Text from outside the page (vehicle labels from transit agencies, aircraft callsigns, the base
 * map credit of the operator's configuration) is never parsed as HTML. The page builds its own
 * elements with textContent; the two helpers here cover the rest: cleaning a label for display,
 * and escaping the one string Leaflet insists on reading as HTML (the attribution control sets
 * innerHTML, Leaflet 1.9 `Control.Attribution._update`).
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for use inside HTML content or a quoted attribute value.
 *
 * @param text - any string
 * @returns the string with `& < > " '` replaced by character references
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] as string);
}

/**
 * Makes an outside label fit for display: control and bidirectional-override characters removed,
 * runs of white space joined, and the length capped. OpenSky callsigns arrive padded with spaces;
 * a label of a few hundred characters would stretch a popup off the screen.
 *
 * @param label - a label as received, possibly null
 * @param maxLength - the most code points kept (an ellipsis marks a cut)
 * @returns the cleaned label, or an empty string when nothing printable is left
 */
export function cleanLabel(label: string | null | undefined, maxLength = 80): string {
  if (typeof label !== 'string') return '';
  const printable = label
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const codePoints = Array.from(printable);
  return codePoints.length > maxLength
    ? `${codePoints.slice(0, maxLength - 1).join('')}…`
    : printable;
}

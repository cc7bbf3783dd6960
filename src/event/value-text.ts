/**
 * Text for any value found in input, for the detail of a rejected record. Input is hostile: an
 * object from JSON may carry a `toString` that is not a function (String() then throws), and a
 * value may be too deep or too big to render; none of that may stop the engine.
 */

/**
 * Renders `value` for a message, never throwing.
 *
 * @param value - anything read from input
 * @param maxChars - the longest text returned; longer text is cut, without splitting a
 *   surrogate pair, and ends with `...`
 * @param quoteStrings - whether strings are shown JSON-quoted (as in a detail) or as they are
 *   (as in an excerpt of a provider's input)
 * @returns at most `maxChars` characters
 */
export function valueText(value: unknown, maxChars: number, quoteStrings = true): string {
  let text: string;
  if (typeof value === 'string') {
    text = quoteStrings ? JSON.stringify(value) : value;
  } else {
    try {
      // undefined, functions and symbols have no JSON form; typeof names them instead.
      text = JSON.stringify(value) ?? typeof value;
    } catch {
      // Cycles, BigInt, or a nesting deeper than the stack: the kind of value is all we say.
      text = Object.prototype.toString.call(value);
    }
  }
  if (text.length <= maxChars) return text;
  let cut = text.slice(0, Math.max(0, maxChars - 3));
  // A cut between the two halves of a surrogate pair would leave a lone half behind.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}...`;
}

/**
 * A request header given on the command line as `Name: value` (curl's `--header` shape), the way
 * an agency's key reaches a GTFS-RT feed that wants it in a header. The value is a secret: it is
 * sent, never logged and never echoed in an error.
 */
import { UsageError } from '../errors.js';

/** A header given on the command line as `Name: value`. */
export interface HttpHeader {
  name: string;
  /** Often an agency's key: never logged, never echoed in an error. */
  value: string;
}

/** A header name: an RFC 9110 token (section 5.6.2). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses a header given as `Name: value`.
 *
 * @param text - the option's text
 * @returns the name and the value, both trimmed
 * @throws UsageError when there is no name, no `:`, or no value; the message never holds the
 *   value, which is often a key
 */
export function parseHeaderOption(text: string): HttpHeader {
  const colon = text.indexOf(':');
  const name = colon < 0 ? '' : text.slice(0, colon).trim();
  if (!HEADER_NAME.test(name)) {
    const missing = colon < 0 ? "':'" : 'a valid name';
    throw new UsageError(
      `a header must look like 'Name: value' (a name of letters, digits, -); it lacks ${missing}`,
    );
  }

  const value = text.slice(colon + 1).trim();
  if (value === '' || /[\r\n\0]/.test(value)) {
    throw new UsageError(`the header ${name} needs a value on one line after ':'`);
  }
  return { name, value };
}

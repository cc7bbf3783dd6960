import { describe, expect, it } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { parseHeaderOption } from '../../../src/sources/http-header-option.js';

describe('parseHeaderOption', () => {
  it("splits 'Name: value' at the first colon and trims both", () => {
    expect(parseHeaderOption('x-api-key:  abc:def ')).toEqual({
      name: 'x-api-key',
      value: 'abc:def',
    });
  });

  it('refuses a header without a name or a value, never echoing the value', () => {
    expect(() => parseHeaderOption('just-a-s3cret')).toThrow(UsageError);
    expect(() => parseHeaderOption('just-a-s3cret')).not.toThrow(/s3cret/);
    expect(() => parseHeaderOption('Bad Name: s3cret')).not.toThrow(/s3cret/);
    expect(() => parseHeaderOption('Authorization:   ')).toThrow(/Authorization needs a value/);
  });
});

import { describe, expect, it } from 'vitest';
import * as errors from '../src/errors.js';

type ErrorClass = new (...args: never[]) => errors.HeatmapError;

const classes = (Object.values(errors) as unknown[]).filter(
  (value): value is ErrorClass =>
    typeof value === 'function' && value.prototype instanceof errors.HeatmapError,
);

function codeOf(ErrorClass: ErrorClass): string {
  const make = ErrorClass as unknown as new (a: string, b: string) => errors.HeatmapError;
  return new make('x', 'y').code;
}

describe('error codes', () => {
  it('gives every error class a code of its own', () => {
    const codes = classes.map(codeOf);
    expect(classes.length).toBeGreaterThanOrEqual(8);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('documents every code, and no code that no class has', () => {
    expect(Object.keys(errors.ERROR_CODES).sort()).toEqual(classes.map(codeOf).sort());
  });

  it('keeps the cause and the retriable flag', () => {
    const cause = new Error('busy');
    const err = new errors.StoreError('the store failed', { cause, retriable: true });
    expect(err).toMatchObject({ code: 'HM_STORE', retriable: true, cause, name: 'StoreError' });
  });
});

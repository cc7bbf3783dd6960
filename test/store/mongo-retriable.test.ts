/**
 * Which MongoDB driver errors the engine waits out and which it does not: a lost connection must
 * be retried wherever the driver reports it, including inside a bulk write, or a batch is lost.
 */
import { MongoBulkWriteError, MongoNetworkError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { isRetriableMongoError } from '../../src/store/mongo-store.js';

describe('isRetriableMongoError', () => {
  it('passes a lost connection, bare or wrapped in a bulk write error', () => {
    const lost = new MongoNetworkError('connection 1 to 127.0.0.1:27017 closed');
    expect(isRetriableMongoError(lost)).toBe(true);
    expect(isRetriableMongoError(new MongoBulkWriteError(lost, {} as never))).toBe(true);
  });

  it('passes a server that shuts down or steps down', () => {
    for (const code of [91, 11600, 10107, 189]) {
      expect(
        isRetriableMongoError(new MongoServerError({ code, errmsg: 'going' })),
        `${code}`,
      ).toBe(true);
    }
  });

  it('does not pass a duplicate key, a bad document or an error from elsewhere', () => {
    expect(isRetriableMongoError(new MongoServerError({ code: 11000, errmsg: 'dup' }))).toBe(false);
    expect(isRetriableMongoError(new MongoServerError({ code: 2, errmsg: 'bad value' }))).toBe(
      false,
    );
    expect(isRetriableMongoError(new Error('connection closed'))).toBe(false);
  });
});

/** How the Kafka log cuts a large append into produce requests the broker accepts. */
import { describe, expect, it } from 'vitest';
import { sendParts } from '../../src/log/kafka-log.js';

const message = (value: string, key?: string) => ({ topic: 't', value, ...(key ? { key } : {}) });

describe('sendParts', () => {
  it('keeps every message, in order, in parts no larger than the limit', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => message(`value ${i}`, `k${i % 3}`));
    const parts = sendParts(messages, 1000);
    expect(parts.flat()).toEqual(messages);
    expect(parts.length).toBeGreaterThan(30);
    for (const part of parts) {
      const bytes = part.reduce((n, m) => n + 32 + m.value.length + (m.key?.length ?? 0), 0);
      expect(bytes).toBeLessThanOrEqual(1000);
    }
  });

  it('counts UTF-8 bytes and headers, and sends a message over the limit alone', () => {
    const wide = message('é'.repeat(40));
    const withHeaders = { ...message('x'), headers: { 'mh-reject-reason': 'y'.repeat(100) } };
    expect(sendParts([wide, wide], 150)).toEqual([[wide], [wide]]);
    expect(sendParts([withHeaders, withHeaders], 200)).toEqual([[withHeaders], [withHeaders]]);
    const huge = message('z'.repeat(5000));
    expect(sendParts([message('a'), huge, message('b')], 1000)).toEqual([
      [message('a')],
      [huge],
      [message('b')],
    ]);
  });

  it('makes no part of no messages', () => {
    expect(sendParts([], 1000)).toEqual([]);
  });
});

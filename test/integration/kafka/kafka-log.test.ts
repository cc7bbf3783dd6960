/**
 * The EventLog contract on a real Kafka broker, each case on a topic of its own, and what only
 * Kafka does: dead letters on `<topic>.dlq`, a clear failure when no broker answers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { LogError } from '../../../src/errors.js';
import { openKafkaLog } from '../../../src/log/kafka-log.js';
import { describeEventLogContract } from '../../log/event-log-contract.js';
import { freshTopic, KAFKA_SKIP_NOTE, KAFKA_TEST_BOOTSTRAP } from '../../support/kafka.js';

const bootstrap = KAFKA_TEST_BOOTSTRAP ?? '127.0.0.1:1';

describe.skipIf(KAFKA_TEST_BOOTSTRAP === undefined)(`Kafka (${KAFKA_SKIP_NOTE})`, () => {
  describeEventLogContract('Kafka log', async () => {
    const topic = freshTopic('contract');
    const open = () => openKafkaLog({ bootstrap, topic, clientId: 'contract-test' });
    return { log: await open(), reopen: open };
  });

  it('creates the topic with 3 partitions and spreads vehicles over them by key', async () => {
    const log = await openKafkaLog({ bootstrap, topic: freshTopic('partitions') });
    try {
      await log.append(
        Array.from({ length: 60 }, (_, i) => ({ key: `sim:v${i}`, value: `{"i":${i}}` })),
      );
      const to = await log.plan(log.start(), 1000);
      expect(Object.keys(to).sort()).toEqual(['0', '1', '2']);
      expect(Object.values(to).every((n) => n > 0)).toBe(true);
    } finally {
      await log.close();
    }
  });

  it('publishes one append larger than the broker takes in one request (6 MB), in order', async () => {
    const log = await openKafkaLog({ bootstrap, topic: freshTopic('large') });
    try {
      // 50,000 messages of about 120 bytes that compression cannot shrink (hex of a hash): one
      // request would carry record batches of about 2 MB per partition, which the broker refuses
      // with MESSAGE_TOO_LARGE (message.max.bytes, 1 MiB by default).
      const entries = Array.from({ length: 50_000 }, (_, i) => ({
        key: `sim:v${i % 7}`,
        value: `{"i":${i},"p":"${createHash('sha256').update(String(i)).digest('hex')}"}`,
      }));
      await log.append(entries);
      const read = await log.read(log.start(), await log.plan(log.start(), 100_000));
      expect(read.length).toBe(entries.length);
      const ofV0 = read.filter((e) => e.key === 'sim:v0').map((e) => JSON.parse(e.value).i);
      expect(ofV0).toEqual(entries.filter((e) => e.key === 'sim:v0').map((_, n) => n * 7));
    } finally {
      await log.close();
    }
  });

  it('refuses a message over the broker limit with an error that is not retried', async () => {
    const log = await openKafkaLog({ bootstrap, topic: freshTopic('too-large') });
    try {
      const value = randomBytes(800_000).toString('hex');
      const failed = await log.append([{ key: 'sim:v', value }]).catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(LogError);
      expect((failed as LogError).message).toMatch(
        /larger than the broker accepts.*message\.max\.bytes/,
      );
      expect((failed as LogError).retriable).toBe(false);
    } finally {
      await log.close();
    }
  });

  it('lets two processes create the same topics at once', async () => {
    const topic = freshTopic('race');
    const logs = await Promise.all([1, 2, 3].map(() => openKafkaLog({ bootstrap, topic })));
    await Promise.all(logs.map((l) => l.close()));
  });

  it('publishes dead letters to <topic>.dlq with their reason in headers', async () => {
    const topic = freshTopic('dlq');
    const log = await openKafkaLog({ bootstrap, topic });
    const consumer = new Consumer({
      clientId: 'dlq-reader',
      groupId: `dlq-reader-${Date.now()}`,
      bootstrapBrokers: [bootstrap],
      deserializers: stringDeserializers,
    });
    try {
      await log.publishDeadLetters([
        { reason: 'bad_json', detail: 'not JSON', raw: '{oops', provider: 'mbta' },
      ]);
      const stream = await consumer.consume({
        topics: [`${topic}.dlq`],
        mode: 'earliest',
        autocommit: false,
      });
      let seen: { value: string; headers: Record<string, string> } | undefined;
      for await (const message of stream) {
        const headers: Record<string, string> = {};
        for (const [k, v] of message.headers) headers[String(k)] = String(v);
        seen = { value: String(message.value), headers };
        break;
      }
      await stream.close();
      expect(seen).toEqual({
        value: '{oops',
        headers: { 'mh-reject-reason': 'bad_json', 'mh-reject-detail': 'not JSON' },
      });
    } finally {
      await consumer.close(true);
      await log.close();
    }
  });
});

describe('openKafkaLog without a broker', () => {
  it('fails with a LogError that says to start one', async () => {
    const started = Date.now();
    await expect(
      openKafkaLog({ bootstrap: '127.0.0.1:1', topic: 't', retries: 1, retryDelayMs: 50 }),
    ).rejects.toMatchObject({
      code: 'HM_LOG',
      retriable: false,
      message: expect.stringMatching(/cannot reach Kafka at 127\.0\.0\.1:1.*make kafka/),
    });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses a bootstrap list that is not host:port', async () => {
    await expect(openKafkaLog({ bootstrap: 'localhost', topic: 't' })).rejects.toMatchObject({
      code: 'HM_LOG',
    });
  });
});

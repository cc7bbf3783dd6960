/**
 * The Kafka log: the EventLog of the distributed profile, on the topic `mobility.positions.v1`
 * (KAFKA_TOPIC) of a real broker, spoken to with `@platformatic/kafka`. Producers append with an
 * idempotent producer, keyed `<provider>:<vehicleId>` and partitioned by murmur2 as Java clients
 * and Spark do, so one vehicle's reports stay in order on one partition. An engine reads exact
 * offset ranges of every partition with plain fetches, without a consumer group: its offsets live
 * in its own checkpoint, committed with its writes (SPEC 3, exactly-once effect), as Spark keeps
 * them in its checkpoint rather than in the group.
 */
import {
  Admin,
  compatibilityPartitioner,
  Consumer,
  ListOffsetTimestamps,
  Producer,
  stringDeserializers,
  stringSerializers,
  type Offsets,
} from '@platformatic/kafka';
import { LogError } from '../errors.js';
import type { DeadLetter } from '../event/position-event.js';
import { loggerFor } from '../logger.js';
import type { LogPosition } from '../store/store.js';
import { rejectFromWire, type DeadLetterLog, type EventLog, type LogEntry } from './event-log.js';

const log = loggerFor('log');

/** Header names that carry a source's rejection through the topic (a dead letter in transit). */
const REJECT_REASON_HEADER = 'mh-reject-reason';
const REJECT_DETAIL_HEADER = 'mh-reject-detail';

/** Partitions of a topic the program creates (the original design's three). */
export const DEFAULT_PARTITIONS = 3;

/**
 * Most bytes of keys, values and headers one produce request carries. A broker refuses a record
 * batch over its `message.max.bytes` (1 MiB by default) with MESSAGE_TOO_LARGE, and one send of
 * a whole large snapshot would be one such batch per partition: appends are cut into requests
 * of at most this much, well below the default.
 */
export const MAX_SEND_BYTES = 512 * 1024;

/** What a record costs on the wire beyond its key, value and headers (lengths, offsets, varints). */
const RECORD_OVERHEAD_BYTES = 32;

/** A record batch's attribute bit for transaction markers (Kafka protocol, RecordBatch). */
const IS_CONTROL_BATCH = 0b10_0000;

/** How to reach the broker and which topic to use. */
export interface KafkaLogOptions {
  /** `host:port[,host:port...]` (KAFKA_BOOTSTRAP). */
  bootstrap: string;
  /** The events topic (KAFKA_TOPIC); its dead-letter topic is `<topic>.dlq`. */
  topic: string;
  /** Partitions of the topics when the program creates them (default 3). */
  partitions?: number;
  /** Names the client in the broker's logs. */
  clientId?: string;
  /** How many times a request is retried before the call fails (default 6). */
  retries?: number;
  /** Milliseconds between retries (default 500). */
  retryDelayMs?: number;
  /** Milliseconds one request may take (default 10,000). */
  timeoutMs?: number;
}

/** Splits `host:port,host:port` into the client's broker list. */
function brokersOf(bootstrap: string): string[] {
  const brokers = bootstrap
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) {
      throw new LogError(`KAFKA_BOOTSTRAP entry ${JSON.stringify(b)} is not host:port`);
    }
  }
  if (brokers.length === 0) throw new LogError('KAFKA_BOOTSTRAP names no broker');
  return brokers;
}

/**
 * One line for a client error: its message, then each distinct nested message and the system
 * error under them (the client nests an error per retry and per broker, most of them alike).
 */
function messageOf(err: unknown): string {
  const seen: string[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (e === null || typeof e !== 'object' || depth > 6) return;
    const { message, code, errors, cause } = e as {
      message?: string;
      code?: string;
      errors?: unknown[];
      cause?: unknown;
    };
    const text = code !== undefined && /^E[A-Z]+$/.test(code) ? `${code} (${message})` : message;
    if (text !== undefined && text !== '' && !seen.includes(text)) seen.push(text);
    for (const inner of errors ?? []) visit(inner, depth + 1);
    visit(cause, depth + 1);
  };
  visit(err, 0);
  return seen.length === 0 ? String(err) : seen.join('; ');
}

function partitionOffset(position: LogPosition, partition: number): number {
  const offset = position[String(partition)] ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new LogError(`not a position of a Kafka log: ${JSON.stringify(position)}`);
  }
  return offset;
}

/** The EventLog on a Kafka topic; open it with openKafkaLog. */
export class KafkaLog implements EventLog, DeadLetterLog {
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly bootstrap: string;
  readonly #producer: Producer<string, string, string, string>;
  readonly #consumer: Consumer<string, string, string, string>;
  readonly #admin: Admin;
  #closed = false;

  /**
   * Wraps clients whose topics exist; use openKafkaLog instead.
   *
   * @param options - broker and topic
   * @param clients - the producer, the consumer used for fetches and offsets, and the admin
   */
  constructor(
    options: KafkaLogOptions,
    clients: {
      producer: Producer<string, string, string, string>;
      consumer: Consumer<string, string, string, string>;
      admin: Admin;
    },
  ) {
    this.topic = options.topic;
    this.deadLetterTopic = `${options.topic}.dlq`;
    this.bootstrap = options.bootstrap;
    this.#producer = clients.producer;
    this.#consumer = clients.consumer;
    this.#admin = clients.admin;
  }

  /**
   * Publishes entries, keyed, in order per key; resolves once the broker has them all.
   *
   * @param entries - the messages; `reject` travels in headers
   * @throws LogError, retriable, when the broker cannot be reached after the client's retries
   */
  async append(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const messages = entries.map((e) => ({
      topic: this.topic,
      ...(e.key === '' ? {} : { key: e.key }),
      value: e.value,
      ...(e.reject === undefined
        ? {}
        : {
            headers: {
              [REJECT_REASON_HEADER]: e.reject.reason,
              [REJECT_DETAIL_HEADER]: e.reject.detail,
            },
          }),
    }));
    await this.#sendInParts(`publish ${entries.length} messages`, messages);
  }

  /**
   * Publishes dead letters to `<topic>.dlq`, with their reason in headers. The engine calls it
   * before it commits the batch, so a crash may publish a batch's letters twice, never lose them.
   *
   * @param letters - the rejected messages of one micro-batch
   * @throws LogError, retriable, when the broker cannot be reached
   */
  async publishDeadLetters(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const messages = letters.map((d) => ({
      topic: this.deadLetterTopic,
      ...(d.provider === undefined ? {} : { key: d.provider }),
      value: d.raw,
      headers: { [REJECT_REASON_HEADER]: d.reason, [REJECT_DETAIL_HEADER]: d.detail },
    }));
    await this.#sendInParts(`publish ${letters.length} dead letters`, messages);
  }

  /**
   * Sends messages in order, in requests of at most MAX_SEND_BYTES (a message larger than that
   * goes alone). Each request resolves once the broker has it, so a failure leaves the earlier
   * requests published and the later ones not; the caller's retry publishes the whole list
   * again, which the engines' dedupe absorbs.
   */
  async #sendInParts(action: string, messages: OutgoingMessage[]): Promise<void> {
    for (const part of sendParts(messages, MAX_SEND_BYTES)) {
      await this.#guard(action, () => this.#producer.send({ messages: part }));
    }
  }

  /**
   * The position after at most `maxRecords` messages from `from`, shared fairly among the
   * partitions that have new messages. A position before a partition's first retained offset
   * moves up to it: what retention deleted cannot be read.
   *
   * @param from - the next offset of each partition (absent partitions are at 0)
   * @param maxRecords - the most messages one micro-batch may hold
   * @returns the end of the batch; equal to `from` when nothing new was published
   * @throws LogError, retriable when the broker cannot be reached; not retriable when `from`
   *   lies past a partition's end (the checkpoint belongs to another topic or broker)
   */
  async plan(from: LogPosition, maxRecords: number): Promise<LogPosition> {
    const [first, end] = await Promise.all([
      this.#offsets(ListOffsetTimestamps.EARLIEST),
      this.#offsets(ListOffsetTimestamps.LATEST),
    ]);

    // Stage 1: where each partition starts and how much it has.
    const start = end.map((_, p) => Math.max(partitionOffset(from, p), first[p] ?? 0));
    end.forEach((e, p) => {
      if (partitionOffset(from, p) > e) {
        throw new LogError(
          `position ${partitionOffset(from, p)} lies past the end (${e}) of partition ${p} of ${this.topic}; the checkpoint belongs to another topic or broker`,
        );
      }
      if (start[p]! > partitionOffset(from, p)) {
        log.warn({ partition: p, from: partitionOffset(from, p), first: start[p] }, 'skipped');
      }
    });

    // Stage 2: share the budget, round by round, among partitions that still have messages.
    const take = end.map(() => 0);
    let budget = maxRecords;
    for (;;) {
      const open = end.map((e, p) => p).filter((p) => start[p]! + take[p]! < end[p]!);
      if (budget <= 0 || open.length === 0) break;
      const share = Math.max(1, Math.floor(budget / open.length));
      for (const p of open) {
        const n = Math.min(share, budget, end[p]! - start[p]! - take[p]!);
        take[p]! += n;
        budget -= n;
      }
    }

    const to: LogPosition = {};
    end.forEach((_, p) => {
      to[String(p)] = start[p]! + take[p]!;
    });
    return to;
  }

  /**
   * Messages in [from, to) of every partition, partition by partition, each in offset order.
   *
   * @param from - the first offset of each partition
   * @param to - the offset after the last of each partition
   * @returns the entries
   * @throws LogError, retriable when the broker cannot be reached or leadership moved
   */
  async read(from: LogPosition, to: LogPosition): Promise<LogEntry[]> {
    const entries: LogEntry[] = [];
    const partitions = Object.keys(to)
      .map(Number)
      .sort((a, b) => a - b);
    for (const p of partitions) {
      const end = partitionOffset(to, p);
      let next = partitionOffset(from, p);
      while (next < end) {
        const got = await this.#fetch(p, next, end, entries);
        if (got === next) {
          // Limitation: a range whose messages retention has deleted since the plan reads short.
          const first = (await this.#offsets(ListOffsetTimestamps.EARLIEST))[p] ?? 0;
          if (first <= next) continue;
          log.warn({ partition: p, from: next, first }, 'messages deleted by retention skipped');
          next = Math.min(first, end);
          continue;
        }
        next = got;
      }
    }
    return entries;
  }

  /** The start of the log: offset 0 of every partition (plan moves it up past retention). */
  start(): LogPosition {
    return {};
  }

  /**
   * Whether the broker answers, with the topic's end offsets; never throws.
   *
   * @returns ok and a detail such as `kafka mobility.positions.v1: 3 partitions, 5230 messages`
   */
  async health(): Promise<{ ok: boolean; detail: string }> {
    try {
      const end = await this.#offsets(ListOffsetTimestamps.LATEST);
      const total = end.reduce((a, b) => a + b, 0);
      return {
        ok: true,
        detail: `kafka ${this.topic}: ${end.length} partitions, ends ${end.join('/')} (${total} published)`,
      };
    } catch (err) {
      return { ok: false, detail: messageOf(err) };
    }
  }

  /** Closes every client; closing twice does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([
      this.#producer.close(),
      this.#consumer.close(true),
      this.#admin.close(),
    ]);
  }

  /** One fetch of partition `p` from `offset`; appends records below `end`, returns the next offset. */
  async #fetch(p: number, offset: number, end: number, into: LogEntry[]): Promise<number> {
    const metadata = await this.#guard('read the topic metadata', () =>
      this.#consumer.metadata({ topics: [this.topic] }),
    );
    const topic = metadata.topics.get(this.topic);
    const leader = topic?.partitions[p]?.leader;
    if (topic === undefined || leader === undefined) {
      throw new LogError(`partition ${p} of ${this.topic} has no leader`, { retriable: true });
    }
    const response = await this.#guard(`read partition ${p} from ${offset}`, () =>
      this.#consumer.fetch({
        node: leader,
        maxWaitTime: 100,
        topics: [
          {
            topicId: topic.id,
            partitions: [
              {
                partition: p,
                fetchOffset: BigInt(offset),
                partitionMaxBytes: 4 * 1024 * 1024,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
              },
            ],
          },
        ],
      }),
    );

    let next = offset;
    for (const batch of response.responses[0]?.partitions[0]?.records ?? []) {
      const control = (batch.attributes & IS_CONTROL_BATCH) !== 0;
      for (const record of control ? [] : batch.records) {
        const at = Number(batch.firstOffset) + record.offsetDelta;
        if (at < offset || at >= end) continue;
        into.push(entryOf(record.key, record.value, record.headers));
      }
      // A compressed batch comes whole, from before `offset` too; only its end matters here.
      next = Math.max(next, Math.min(end, Number(batch.firstOffset) + batch.lastOffsetDelta + 1));
    }
    return next;
  }

  /** The earliest or latest offset of every partition, by partition number. */
  async #offsets(at: bigint): Promise<number[]> {
    const offsets: Offsets = await this.#guard('list offsets', () =>
      this.#consumer.listOffsets({ topics: [this.topic], timestamp: at }),
    );
    return (offsets.get(this.topic) ?? []).map(Number);
  }

  async #guard<T>(action: string, step: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new LogError(`cannot ${action}: the Kafka log is closed`);
    try {
      return await step();
    } catch (err) {
      if (hasProtocolError(err, 'MESSAGE_TOO_LARGE')) {
        // Trying again cannot help: the message, alone in its request, is over the limit.
        throw new LogError(
          `cannot ${action} on Kafka at ${this.bootstrap}: a message is larger than the broker accepts (its message.max.bytes); raise that setting or send smaller messages`,
          { cause: err, retriable: false },
        );
      }
      throw new LogError(
        `cannot ${action} on Kafka at ${this.bootstrap}: ${messageOf(err)}; is the broker running (make kafka)?`,
        { cause: err, retriable: true },
      );
    }
  }
}

/** True when `err` or an error inside it is the broker's protocol error `id` (e.g. MESSAGE_TOO_LARGE). */
function hasProtocolError(err: unknown, id: string, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 6) return false;
  const { apiId, errors, cause } = err as { apiId?: string; errors?: unknown[]; cause?: unknown };
  if (apiId === id) return true;
  return (
    (errors ?? []).some((e) => hasProtocolError(e, id, depth + 1)) ||
    hasProtocolError(cause, id, depth + 1)
  );
}

/** A message as the producer takes it. */
interface OutgoingMessage {
  topic: string;
  key?: string;
  value: string;
  headers?: Record<string, string>;
}

/**
 * Cuts messages into consecutive parts of at most `maxBytes` of keys, values and headers (UTF-8),
 * with a record's overhead; a message larger than `maxBytes` is a part alone.
 *
 * @returns the parts, in order; none for no messages
 */
export function sendParts<M extends OutgoingMessage>(messages: M[], maxBytes: number): M[][] {
  const parts: M[][] = [];
  let part: M[] = [];
  let bytes = 0;
  for (const m of messages) {
    let size = RECORD_OVERHEAD_BYTES + Buffer.byteLength(m.value) + Buffer.byteLength(m.key ?? '');
    for (const [k, v] of Object.entries(m.headers ?? {})) {
      size += Buffer.byteLength(k) + Buffer.byteLength(v);
    }
    if (part.length > 0 && bytes + size > maxBytes) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(m);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

function entryOf(
  key: Buffer | null,
  value: Buffer | null,
  headers: [Buffer | null, Buffer | null][],
): LogEntry {
  const entry: LogEntry = {
    key: key?.toString('utf8') ?? '',
    value: value?.toString('utf8') ?? '',
  };
  let reason: string | undefined;
  let detail = '';
  for (const [k, v] of headers) {
    const name = k?.toString('utf8');
    if (name === REJECT_REASON_HEADER) reason = v?.toString('utf8') ?? '';
    else if (name === REJECT_DETAIL_HEADER) detail = v?.toString('utf8') ?? '';
  }
  if (reason !== undefined) entry.reject = rejectFromWire(reason, detail);
  return entry;
}

/**
 * Creates the events topic and its dead-letter topic when they are missing.
 *
 * @throws whatever the admin client throws but "already exists"
 */
async function ensureTopics(admin: Admin, topics: string[], partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, partitions, replicas: 1 });
    log.info({ topics: missing, partitions }, 'topics created');
  } catch (err) {
    // Another process may have created them between the listing and the creation; the broker
    // answers TOPIC_ALREADY_EXISTS (Kafka protocol error 36) inside the client's ResponseError.
    const nested = err as { findBy?: (key: string, value: string) => unknown };
    if (!nested.findBy?.('apiId', 'TOPIC_ALREADY_EXISTS')) throw err;
  }
}

/**
 * Connects to the broker, creates the topics when missing, and opens the log.
 *
 * @param options - broker, topic and client settings
 * @returns the log
 * @throws LogError, not retriable, when the broker cannot be reached after the client's retries
 *   (the message says what to check)
 */
export async function openKafkaLog(options: KafkaLogOptions): Promise<KafkaLog> {
  const bootstrapBrokers = brokersOf(options.bootstrap);
  const base = {
    clientId: options.clientId ?? 'mobility-heatmap',
    bootstrapBrokers,
    retries: options.retries ?? 6,
    retryDelay: options.retryDelayMs ?? 500,
    timeout: options.timeoutMs ?? 10_000,
  };
  const admin = new Admin(base);
  const producer = new Producer<string, string, string, string>({
    ...base,
    // An idempotent producer given fewer than 2 retries would retry forever (the client sets
    // them to Number.MAX_SAFE_INTEGER), and a dead broker would hang every append.
    retries: Math.max(2, base.retries),
    idempotent: true,
    acks: -1,
    compression: 'lz4',
    partitioner: compatibilityPartitioner,
    serializers: stringSerializers,
  });
  const consumer = new Consumer<string, string, string, string>({
    ...base,
    groupId: `${base.clientId}-reader`,
    deserializers: stringDeserializers,
  });
  const kafkaLog = new KafkaLog(options, { producer, consumer, admin });
  const topics = [options.topic, kafkaLog.deadLetterTopic];
  try {
    await ensureTopics(admin, topics, options.partitions ?? DEFAULT_PARTITIONS);
  } catch (err) {
    await kafkaLog.close();
    throw new LogError(
      `cannot reach Kafka at ${options.bootstrap} (${messageOf(err)}): start a broker (make kafka) or set KAFKA_BOOTSTRAP to one that runs`,
      { cause: err },
    );
  }
  log.info({ bootstrap: options.bootstrap, topic: options.topic }, 'kafka log opened');
  return kafkaLog;
}

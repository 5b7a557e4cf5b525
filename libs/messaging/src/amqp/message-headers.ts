import type { EventEnvelope } from '@ajla/contracts';
import { CORRELATION_ID_HEADER, TRACEPARENT_HEADER } from '@ajla/platform';
import type { Message, Options } from 'amqplib';

/** How many times a message has been retried so far (set on each copy sent to a retry queue). */
export const RETRY_COUNT_HEADER = 'x-retry-count';
/** Routing key of the original publish (a retried copy comes back under the queue's name). */
export const ORIGINAL_ROUTING_KEY_HEADER = 'x-original-routing-key';
export const LAST_ERROR_HEADER = 'x-last-error';
/** Why a message is in the dead-letter queue: `handler_failed`, `malformed_json`, `contract_violation`. */
export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason';
export const FAILED_AT_HEADER = 'x-failed-at';
export const FAILED_BY_HEADER = 'x-failed-by';

export type DeadLetterReason = 'handler_failed' | 'malformed_json' | 'contract_violation';

const MAX_ERROR_LENGTH = 1000;

/** The properties of an event published by the relay. */
export function eventPublishOptions(
  envelope: Pick<EventEnvelope, 'id' | 'type' | 'occurred_at' | 'producer' | 'correlation_id'>,
  headers: Record<string, string>,
): Options.Publish {
  const correlationId = envelope.correlation_id ?? headers[CORRELATION_ID_HEADER];
  const traceparent = headers[TRACEPARENT_HEADER];
  return {
    persistent: true,
    messageId: envelope.id,
    type: envelope.type,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    // AMQP timestamps are whole seconds.
    timestamp: Math.floor(Date.parse(envelope.occurred_at) / 1000),
    appId: envelope.producer,
    headers: {
      ...(correlationId ? { [CORRELATION_ID_HEADER]: correlationId } : {}),
      ...(traceparent ? { [TRACEPARENT_HEADER]: traceparent } : {}),
    },
  };
}

/** `x-retry-count` of a delivery; 0 for a first delivery or a header that is not a count. */
export function retryCountOf(message: Pick<Message, 'properties'>): number {
  const value: unknown = message.properties.headers?.[RETRY_COUNT_HEADER];
  const count = typeof value === 'string' ? Number(value) : value;
  return typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : 0;
}

export function headerText(message: Pick<Message, 'properties'>, name: string): string | undefined {
  const value: unknown = message.properties.headers?.[name];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/** Headers the broker adds, which a copy must not carry as if they were its own. */
const BROKER_HEADERS = new Set([
  'x-death',
  'x-delivery-count',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
]);

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/** The properties of a copy of `message` sent to a retry or dead-letter queue. */
function copyOptions(message: Message, extraHeaders: Record<string, unknown>): Options.Publish {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
    if (!BROKER_HEADERS.has(name)) headers[name] = value;
  }
  headers[ORIGINAL_ROUTING_KEY_HEADER] =
    headerText(message, ORIGINAL_ROUTING_KEY_HEADER) ?? message.fields.routingKey;
  Object.assign(headers, extraHeaders);
  return copyPublishOptions(message, headers);
}

/**
 * The properties of a persistent copy of `message` (a retry, a dead letter, a replay): its own
 * ids, type and timestamp, with `headers` in place of the original's.
 */
export function copyPublishOptions(
  message: Pick<Message, 'properties'>,
  headers: Record<string, unknown>,
): Options.Publish {
  const p = message.properties;
  return {
    persistent: true,
    ...(p.messageId !== undefined ? { messageId: p.messageId } : {}),
    ...(p.type !== undefined ? { type: p.type } : {}),
    ...(p.contentType !== undefined ? { contentType: p.contentType } : {}),
    ...(p.contentEncoding !== undefined ? { contentEncoding: p.contentEncoding } : {}),
    ...(p.timestamp !== undefined ? { timestamp: p.timestamp } : {}),
    ...(p.appId !== undefined ? { appId: p.appId } : {}),
    ...(p.correlationId !== undefined ? { correlationId: p.correlationId } : {}),
    headers,
  };
}

/** A copy for the next retry: the count goes up, the error is kept. */
export function retryCopyOptions(
  message: Message,
  retryCount: number,
  error: unknown,
): Options.Publish {
  return copyOptions(message, {
    [RETRY_COUNT_HEADER]: retryCount,
    [LAST_ERROR_HEADER]: describe(error),
  });
}

/** A copy for the dead-letter queue, saying why, when and where it failed. */
export function deadLetterCopyOptions(
  message: Message,
  reason: DeadLetterReason,
  error: unknown,
  failedBy: string,
  now: Date = new Date(),
): Options.Publish {
  return copyOptions(message, {
    [RETRY_COUNT_HEADER]: retryCountOf(message),
    [DEAD_LETTER_REASON_HEADER]: reason,
    [LAST_ERROR_HEADER]: describe(error),
    [FAILED_AT_HEADER]: now.toISOString(),
    [FAILED_BY_HEADER]: failedBy,
  });
}

import { newId } from '@ajla/shared-kernel';
import { z } from 'zod';
import {
  type EventData,
  type RoutingKey,
  currentVersion,
  dataSchema,
  isRoutingKey,
} from './catalog';
import { utcTime, uuid } from './common';

/** The durable topic exchange every AJLA event is published to. */
export const EVENTS_EXCHANGE = 'ajla.events';

/** One integration event as it travels (`snake_case` on the wire). */
export type EventEnvelope<K extends RoutingKey = RoutingKey> = {
  [T in K]: {
    /** UUIDv7; also the AMQP `message_id` and the consumer's inbox key. */
    id: string;
    /** = the routing key. */
    type: T;
    /** Of the data's shape. */
    version: number;
    occurred_at: string;
    producer: string;
    /** The user action this came from, or null. */
    correlation_id: string | null;
    data: EventData<T>;
  };
}[K];

/** A message that is not an event this library knows: the consumer dead-letters it. */
export class ContractViolation extends Error {
  constructor(
    message: string,
    /** One line per problem: `data.email: must be an e-mail address`. */
    readonly issues: readonly string[] = [],
  ) {
    super(issues.length > 0 ? `${message}: ${issues.join('; ')}` : message);
    this.name = 'ContractViolation';
  }
}

/**
 * The envelope around every event's `data` (which it leaves unchecked: `parseEnvelope` checks it
 * against the schema of its type and version). Strict: an envelope with a field it should not
 * have was not written by an AJLA producer. The descriptions end up in the AsyncAPI document.
 */
export const EnvelopeSchema = z.strictObject({
  id: uuid().meta({
    description:
      "UUIDv7; also the AMQP message_id and the consumer's inbox key (its deduplication).",
  }),
  type: z.string().min(1).max(200).meta({ description: 'The routing key.' }),
  version: z.int().min(1).meta({ description: "The version of `data`'s shape." }),
  occurred_at: utcTime().meta({ description: 'When it happened (ISO-8601, UTC).' }),
  producer: z
    .string()
    .min(1)
    .max(100)
    .meta({ description: 'The service that published it (also the AMQP app_id).' }),
  correlation_id: z
    .string()
    .min(1)
    .max(200)
    .nullable()
    .meta({ description: 'The user action this came from (the HTTP x-correlation-id), or null.' }),
  data: z.unknown().meta({ description: 'The payload of this type and version.' }),
});

function issuesOf(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

/**
 * Validates a received message (already JSON-parsed): the envelope, then `data` against the
 * schema of its type and version. Unknown fields in `data` are dropped (a newer, additive version
 * must not break an older consumer); an unknown type or version is a violation.
 */
export function parseEnvelope(raw: unknown): EventEnvelope {
  const envelope = EnvelopeSchema.safeParse(raw);
  if (!envelope.success) {
    throw new ContractViolation('not an event envelope', issuesOf(envelope.error));
  }
  const { type, version, data } = envelope.data;
  if (!isRoutingKey(type)) {
    throw new ContractViolation(`unknown event type "${type}"`);
  }
  const schema = dataSchema(type, version);
  if (schema === undefined) {
    throw new ContractViolation(`unknown version ${version} of event type "${type}"`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new ContractViolation(
      `event ${type} v${version} breaks its contract`,
      issuesOf(parsed.error, 'data'),
    );
  }
  return { ...envelope.data, type, data: parsed.data } as EventEnvelope;
}

export interface EnvelopeOptions {
  /** The service that publishes it, e.g. `request-service`. */
  producer: string;
  /** The user action this comes from (`RequestContext.correlationId`); null when none. */
  correlationId?: string | null;
  /** Defaults to a new UUIDv7. */
  id?: string;
  /** Defaults to now. */
  occurredAt?: Date | string;
}

/**
 * A validated envelope of the current version of `type`. Throws `ContractViolation` when `data`
 * breaks its own contract: a producer's bug must fail loudly, before anything is stored.
 */
export function createEnvelope<K extends RoutingKey>(
  type: K,
  data: EventData<K>,
  options: EnvelopeOptions,
): EventEnvelope<K> {
  return parseEnvelope(envelopeOf(type, data, options)) as EventEnvelope<K>;
}

/**
 * The envelope of the current version of `type` around `data`, not yet validated: for a producer
 * whose data is completed by the statement that stores it (it validates what it has with its own
 * schema). Everyone else uses `createEnvelope`.
 */
export function envelopeOf<K extends RoutingKey, D>(
  type: K,
  data: D,
  options: EnvelopeOptions,
): Omit<EventEnvelope, 'type' | 'data'> & { type: K; data: D } {
  const occurredAt = options.occurredAt ?? new Date();
  return {
    id: options.id ?? newId(),
    type,
    version: currentVersion(type),
    occurred_at: occurredAt instanceof Date ? occurredAt.toISOString() : occurredAt,
    producer: options.producer,
    correlation_id: options.correlationId ?? null,
    data,
  };
}

import { z } from 'zod';
import { EVENT_CATALOG, ROUTING_KEYS, type RoutingKey, currentVersion } from '../catalog';
import { EVENTS_EXCHANGE, EnvelopeSchema } from '../envelope';
import { EVENT_EXAMPLES } from './event-examples';
import { type EventParticipants, eventParticipants } from './event-participants';

export type JsonSchema = { readonly [key: string]: unknown };
export interface Ref {
  readonly $ref: string;
}

export interface AsyncApiMessage {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly contentType: string;
  readonly headers: JsonSchema;
  readonly payload: JsonSchema;
  readonly correlationId: Ref;
  readonly bindings: { readonly amqp: JsonSchema };
  readonly examples?: readonly {
    readonly name: string;
    readonly summary: string;
    readonly headers: Record<string, string>;
    readonly payload: JsonSchema;
  }[];
}

export interface AsyncApiChannel {
  readonly address: string;
  readonly title: string;
  readonly description: string;
  readonly messages: Readonly<Record<string, Ref>>;
  readonly bindings: { readonly amqp: JsonSchema };
}

export interface AsyncApiOperation {
  readonly action: 'send' | 'receive';
  readonly channel: Ref;
  readonly title: string;
  readonly summary: string;
  readonly messages: readonly Ref[];
  readonly bindings: { readonly amqp: JsonSchema };
}

/** The parts of an AsyncAPI 3.0.0 document that AJLA's event document uses. */
export interface AsyncApiDocument {
  readonly asyncapi: '3.0.0';
  readonly id: string;
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly defaultContentType: string;
  readonly servers: Readonly<Record<string, JsonSchema>>;
  readonly channels: Readonly<Record<string, AsyncApiChannel>>;
  readonly operations: Readonly<Record<string, AsyncApiOperation>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly messages: Readonly<Record<string, AsyncApiMessage>>;
    readonly correlationIds: Readonly<Record<string, JsonSchema>>;
  };
}

const AMQP_BINDING_VERSION = '0.3.0';
const CORRELATION_ID_HEADER = 'x-correlation-id';
const SERVER = 'rabbitmq';

const DESCRIPTION = `Every integration event AJLA's services publish on RabbitMQ, generated from the zod schemas of \`@ajla/contracts\` (the schemas the services validate with).

**Transport.** Each event is published to the durable topic exchange \`${EVENTS_EXCHANGE}\` with its type as the routing key (a channel below per routing key). A consuming service reads its own durable quorum queue \`<service>.events\`, bound to the routing keys it handles (a channel per queue); a failed delivery is retried through delay queues \`<service>.events.retry.<ms>\` and finally parked in \`<service>.events.dlq\`.

**Message.** The body is one JSON envelope (\`id\`, \`type\`, \`version\`, \`occurred_at\`, \`producer\`, \`correlation_id\`, \`data\`); \`data\` has the schema of its type and version. AMQP properties: \`message_id\` = the envelope's \`id\`, \`type\` = the routing key, \`app_id\` = the producer, \`content_type\` \`application/json\`, \`timestamp\`, persistent (delivery mode 2); headers \`${CORRELATION_ID_HEADER}\` (the user action it came from) and \`traceparent\` (W3C trace context).

**Delivery.** At least once, in no guaranteed order: producers write events to an outbox in the same transaction as the change and publish them with publisher confirms; consumers record each \`id\` in an inbox in the transaction of their effects, so a redelivered event has no second effect. A consumer must not rely on order (\`user.updated\` carries the whole state and its \`updated_at\`).

**Versions.** \`version\` is the version of \`data\`'s shape, per type. Adding an optional field keeps the version: a consumer ignores fields it does not know (the payload schemas allow them). Anything else (renaming or removing a field, changing a type or meaning, a new value in an enumeration) is a new version, published beside the old one until every consumer reads it; each version is its own message below (\`<type>.v<version>\`). A consumer refuses (dead-letters) an unknown type or version.`;

const HEADERS_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    [CORRELATION_ID_HEADER]: {
      type: 'string',
      description: "The user action the event came from (the envelope's correlation_id, if any).",
    },
    traceparent: {
      type: 'string',
      description: 'W3C trace context of the span that recorded the event.',
      pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
    },
  },
};

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  // AsyncAPI 3.0's default schema format is a superset of JSON Schema draft 07. "input": what a
  // consumer accepts, so unknown (newer, additive) fields are allowed in `data`.
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'input',
    unrepresentable: 'any',
  });
  return rest;
}

const messageKey = (type: RoutingKey, version: number) => `${type}.v${version}`;
const channelRef = (channel: string) => ({ $ref: `#/channels/${channel}` });

function versionsOf(type: RoutingKey): number[] {
  return Object.keys(EVENT_CATALOG[type].versions).map(Number);
}

const schemaOf = (type: RoutingKey, version: number): z.ZodType =>
  (EVENT_CATALOG[type].versions as Record<number, z.ZodType>)[version];

/** What the event means: the `description` in its zod schema's metadata. */
const descriptionOf = (type: RoutingKey, version: number): string =>
  schemaOf(type, version).description ?? '';

function message(
  type: RoutingKey,
  version: number,
  producer: string,
  envelope: Record<string, unknown>,
): AsyncApiMessage {
  const properties = envelope.properties as Record<string, JsonSchema>;
  const current = version === currentVersion(type);
  const example: Record<string, unknown> = EVENT_EXAMPLES[type];
  return {
    name: type,
    title: `${type} v${version}`,
    summary: descriptionOf(type, version),
    contentType: 'application/json',
    headers: HEADERS_SCHEMA,
    payload: {
      ...envelope,
      properties: {
        ...properties,
        type: { ...properties.type, const: type },
        version: { ...properties.version, const: version },
        data: { $ref: `#/components/schemas/${messageKey(type, version)}` },
      },
    },
    correlationId: { $ref: '#/components/correlationIds/correlationId' },
    bindings: {
      amqp: { contentEncoding: 'utf-8', messageType: type, bindingVersion: AMQP_BINDING_VERSION },
    },
    ...(current && {
      examples: [
        {
          name: type,
          summary: `A ${type} event as ${producer} publishes it.`,
          headers: {
            [CORRELATION_ID_HEADER]: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9b01',
            traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          },
          payload: {
            id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9c01',
            type,
            version,
            // The example's own time; an event without one (a request, a snapshot) happened now.
            occurred_at: example.created_at ?? example.updated_at ?? EXAMPLE_TIME,
            producer,
            correlation_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9b01',
            data: example,
          },
        },
      ],
    }),
  };
}

const EXAMPLE_TIME = '2026-11-22T10:00:00.000Z';

function routingKeyChannel(type: RoutingKey): AsyncApiChannel {
  return {
    address: type,
    title: type,
    description: `${descriptionOf(type, currentVersion(type))} Published to \`${EVENTS_EXCHANGE}\` with routing key \`${type}\`.`,
    messages: Object.fromEntries(
      versionsOf(type).map((version) => [
        messageKey(type, version),
        { $ref: `#/components/messages/${messageKey(type, version)}` },
      ]),
    ),
    bindings: {
      amqp: {
        is: 'routingKey',
        exchange: {
          name: EVENTS_EXCHANGE,
          type: 'topic',
          durable: true,
          autoDelete: false,
          vhost: '/',
        },
        bindingVersion: AMQP_BINDING_VERSION,
      },
    },
  };
}

function queueChannel(
  queue: string,
  service: string,
  routingKeys: readonly RoutingKey[],
): AsyncApiChannel {
  return {
    address: queue,
    title: queue,
    description:
      `${service}'s queue (quorum), bound to \`${EVENTS_EXCHANGE}\` with ` +
      `${routingKeys.map((key) => `\`${key}\``).join(', ')}. A delivery its handler fails goes to ` +
      `\`${queue}.retry.<ms>\` (back-off) and comes back; after the last retry, or at once when it ` +
      `breaks its contract, it is parked in \`${queue}.dlq\`.`,
    messages: Object.fromEntries(
      routingKeys.flatMap((type) =>
        versionsOf(type).map((version) => [
          messageKey(type, version),
          { $ref: `#/components/messages/${messageKey(type, version)}` },
        ]),
      ),
    ),
    bindings: {
      amqp: {
        is: 'queue',
        queue: { name: queue, durable: true, exclusive: false, autoDelete: false, vhost: '/' },
        bindingVersion: AMQP_BINDING_VERSION,
      },
    },
  };
}

function operations(participants: EventParticipants): Record<string, AsyncApiOperation> {
  const result: Record<string, AsyncApiOperation> = {};
  for (const type of ROUTING_KEYS) {
    const producer = participants.producers[type];
    result[`${producer}.send.${type}`] = {
      action: 'send',
      channel: channelRef(type),
      title: `${producer} publishes ${type}`,
      summary: `${producer} publishes ${type} v${currentVersion(type)} from its outbox, with publisher confirms.`,
      messages: [{ $ref: `#/channels/${type}/messages/${messageKey(type, currentVersion(type))}` }],
      bindings: {
        amqp: {
          deliveryMode: 2,
          mandatory: false,
          timestamp: true,
          bindingVersion: AMQP_BINDING_VERSION,
        },
      },
    };
  }
  for (const { service, queue, routingKeys } of participants.consumers) {
    result[`${service}.receive`] = {
      action: 'receive',
      channel: channelRef(queue),
      title: `${service} consumes ${routingKeys.join(', ')}`,
      summary: `${service} handles each event once (inbox), with manual acknowledgements.`,
      messages: routingKeys.flatMap((type) =>
        versionsOf(type).map((version) => ({
          $ref: `#/channels/${queue}/messages/${messageKey(type, version)}`,
        })),
      ),
      bindings: { amqp: { ack: true, bindingVersion: AMQP_BINDING_VERSION } },
    };
  }
  return result;
}

/**
 * The AsyncAPI 3.0.0 document of every event of the catalog: a channel per routing key on the
 * `ajla.events` topic exchange and one per consumer's queue, a message per (type, version) whose
 * payload is the envelope with that version's `data` schema (JSON Schema from the zod schemas),
 * an operation per producer (`send`) and per consuming service (`receive`). The envelope alone is
 * `components.schemas.EventEnvelope`; each version's `data` is `components.schemas["<type>.v<n>"]`.
 */
export function asyncApiDocument(): AsyncApiDocument {
  const participants = eventParticipants();
  const envelope = jsonSchemaOf(EnvelopeSchema);
  const schemas: Record<string, JsonSchema> = { EventEnvelope: envelope };
  const messages: Record<string, AsyncApiMessage> = {};
  const channels: Record<string, AsyncApiChannel> = {};
  for (const type of ROUTING_KEYS) {
    for (const version of versionsOf(type)) {
      schemas[messageKey(type, version)] = {
        title: `${type} v${version}`,
        ...jsonSchemaOf(schemaOf(type, version)),
      };
      messages[messageKey(type, version)] = message(
        type,
        version,
        participants.producers[type],
        envelope,
      );
    }
    channels[type] = routingKeyChannel(type);
  }
  for (const { service, queue, routingKeys } of participants.consumers) {
    channels[queue] = queueChannel(queue, service, routingKeys);
  }
  return {
    asyncapi: '3.0.0',
    id: 'urn:ajla:events',
    info: { title: 'AJLA events', version: '1', description: DESCRIPTION },
    defaultContentType: 'application/json',
    servers: {
      [SERVER]: {
        host: '{host}',
        protocol: 'amqp',
        protocolVersion: '0.9.1',
        description: "RabbitMQ, as each service's RABBITMQ_URL names it.",
        variables: { host: { default: 'localhost:5672', description: 'host:port of RabbitMQ' } },
      },
    },
    channels,
    operations: operations(participants),
    components: {
      schemas,
      messages,
      correlationIds: {
        correlationId: {
          description: 'The user action an event came from, as the HTTP x-correlation-id.',
          location: `$message.header#/${CORRELATION_ID_HEADER}`,
        },
      },
    },
  };
}

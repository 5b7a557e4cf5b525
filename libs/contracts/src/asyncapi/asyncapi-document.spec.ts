import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { ROUTING_KEYS, currentVersion, dataSchema } from '../catalog';
import { EVENTS_EXCHANGE, parseEnvelope } from '../envelope';
import { asyncApiDocument } from './asyncapi-document';
import { EVENT_EXAMPLES } from './event-examples';
import { eventParticipants } from './event-participants';

describe('asyncApiDocument', () => {
  const document = asyncApiDocument();

  it('is a valid AsyncAPI 3 document: no error or warning from the AsyncAPI parser', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
    const problems = diagnostics
      .filter(
        (diagnostic) =>
          diagnostic.severity === DiagnosticSeverity.Error ||
          diagnostic.severity === DiagnosticSeverity.Warning,
      )
      .map((diagnostic) => `${diagnostic.path.join('.')}: ${diagnostic.message}`);
    expect(problems).toEqual([]);
    expect(parsed).toBeDefined();
    // What the parser understood, not only what was written.
    expect(parsed!.channels().get('request.submitted')?.address()).toBe('request.submitted');
    const payload = parsed!.messages().get('request.submitted.v1')?.payload();
    expect(payload?.properties()?.data?.required()).toContain('conversation_id');
  }, 30_000);

  it('is checked for real: a broken reference is an error diagnostic', async () => {
    const broken = JSON.parse(JSON.stringify(document)) as { components: { schemas: object } };
    delete (broken.components.schemas as Record<string, unknown>)['user.updated.v1'];
    const { diagnostics } = await new Parser().parse(JSON.stringify(broken));
    expect(
      diagnostics.filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error),
    ).not.toEqual([]);
  }, 30_000);

  it('has a channel and a message for every event and version of the catalog', () => {
    for (const type of ROUTING_KEYS) {
      const channel = document.channels[type];
      expect(channel).toMatchObject({ address: type });
      expect(channel.bindings.amqp).toMatchObject({
        is: 'routingKey',
        exchange: { name: EVENTS_EXCHANGE, type: 'topic', durable: true },
      });
      const key = `${type}.v${currentVersion(type)}`;
      expect(channel.messages[key]).toEqual({ $ref: `#/components/messages/${key}` });
      const message = document.components.messages[key];
      // Every event says what it means: `.meta({ description })` on its zod schema.
      expect(message.summary).not.toBe('');
      expect(message.payload).toMatchObject({
        properties: { type: { const: type }, version: { const: currentVersion(type) } },
      });
      expect(document.components.schemas[key]).toMatchObject({ type: 'object' });
    }
  });

  it('has a send operation per producer and a receive per consuming service, on its queue', () => {
    const participants = eventParticipants();
    for (const type of ROUTING_KEYS) {
      const send = document.operations[`${participants.producers[type]}.send.${type}`];
      expect(send).toMatchObject({
        action: 'send',
        channel: { $ref: `#/channels/${type}` },
        bindings: { amqp: { deliveryMode: 2 } },
      });
    }
    expect(document.operations['conversation-service.receive']).toMatchObject({
      action: 'receive',
      channel: { $ref: '#/channels/conversation-service.events' },
      messages: [{ $ref: '#/channels/conversation-service.events/messages/request.submitted.v1' }],
    });
    expect(document.channels['conversation-service.events'].bindings.amqp).toMatchObject({
      is: 'queue',
      queue: { name: 'conversation-service.events', durable: true },
    });
  });

  it("keeps the services' checks: lengths in code points, additive fields allowed, strict envelope", () => {
    const submitted = document.components.schemas['request.submitted.v1'] as {
      properties: Record<string, unknown>;
      additionalProperties?: unknown;
    };
    expect(submitted.properties.description).toMatchObject({ minLength: 1, maxLength: 5000 });
    expect(submitted.additionalProperties).toBeUndefined();
    expect(document.components.messages['request.submitted.v1'].payload).toMatchObject({
      additionalProperties: false,
    });
  });

  it('shows examples that the contracts accept', () => {
    for (const type of ROUTING_KEYS) {
      expect(dataSchema(type, currentVersion(type))!.parse(EVENT_EXAMPLES[type])).toEqual(
        EVENT_EXAMPLES[type],
      );
      const [example] = document.components.messages[`${type}.v${currentVersion(type)}`].examples!;
      expect(parseEnvelope(example.payload)).toEqual(example.payload);
    }
  });
});

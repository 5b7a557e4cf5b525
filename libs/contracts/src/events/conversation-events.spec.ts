import { ContractViolation, createEnvelope, parseEnvelope } from '../index';

const ids = {
  message: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a01',
  conversation: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a02',
  request: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a03',
  user: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a04',
};

const message = {
  message_id: ids.message,
  conversation_id: ids.conversation,
  request_id: ids.request,
  user_id: ids.user,
  seq: 1,
  sender_id: ids.user,
  sender_type: 'user' as const,
  content: 'A table for two',
  client_id: null,
  created_at: '2026-11-22T10:00:00.000Z',
};

describe('conversation events', () => {
  it('builds conversation.started and message.created envelopes', () => {
    const started = createEnvelope(
      'conversation.started',
      {
        conversation_id: ids.conversation,
        request_id: ids.request,
        user_id: ids.user,
        created_at: '2026-11-22T10:00:00.000Z',
      },
      { producer: 'conversation-service' },
    );
    expect(started).toMatchObject({ type: 'conversation.started', version: 1 });
    const created = createEnvelope('message.created', message, {
      producer: 'conversation-service',
    });
    expect(created.data).toEqual(message);
  });

  it('lets the opening message carry a whole description (5000 characters), not more', () => {
    const long = { ...message, content: '🍽'.repeat(5000) };
    expect(
      createEnvelope('message.created', long, { producer: 'conversation-service' }).data.content,
    ).toHaveLength(10000);
    expect(() =>
      createEnvelope(
        'message.created',
        { ...message, content: 'x'.repeat(5001) },
        { producer: 'conversation-service' },
      ),
    ).toThrow(ContractViolation);
  });

  it('refuses a bad seq, sender type or client id', () => {
    for (const bad of [
      { seq: 0 },
      { seq: 1.5 },
      { sender_type: 'agent' },
      { client_id: 'abc' },
      { content: '' },
    ]) {
      expect(() =>
        parseEnvelope({
          id: '0192f0c4-0000-7000-8000-000000000001',
          type: 'message.created',
          version: 1,
          occurred_at: '2026-11-22T10:00:00.000Z',
          producer: 'conversation-service',
          correlation_id: null,
          data: { ...message, ...bad },
        }),
      ).toThrow(ContractViolation);
    }
  });

  it('lets a system message have no sender', () => {
    const system = { ...message, sender_id: null, sender_type: 'system' as const, seq: 7 };
    expect(
      createEnvelope('message.created', system, { producer: 'conversation-service' }).data,
    ).toEqual(system);
  });
});

import {
  ContractViolation,
  EVENTS_EXCHANGE,
  ROUTING_KEYS,
  createEnvelope,
  isRoutingKey,
  parseEnvelope,
  type EventEnvelope,
} from './index';

const userId = '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
const requestId = '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a0c';
const conversationId = '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a0d';
const agentId = '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a0e';

const submitted = {
  request_id: requestId,
  user_id: userId,
  type: 'dining' as const,
  description: 'A table for two, near the sea 🌊 — عشاء',
  status: 'new' as const,
  conversation_id: conversationId,
  created_at: '2026-11-22T10:00:00.000Z',
};

function wire(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '0192f0c4-0000-7000-8000-000000000001',
    type: 'request.submitted',
    version: 1,
    occurred_at: '2026-11-22T10:00:00.000Z',
    producer: 'request-service',
    correlation_id: 'req-123',
    data: submitted,
    ...overrides,
  };
}

function violation(raw: unknown): ContractViolation {
  try {
    parseEnvelope(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ContractViolation);
    return error as ContractViolation;
  }
  throw new Error('expected a ContractViolation');
}

describe('routing keys', () => {
  it('lists every event of the platform, and nothing else is one', () => {
    expect(EVENTS_EXCHANGE).toBe('ajla.events');
    expect([...ROUTING_KEYS].sort()).toEqual([
      'conversation.started',
      'message.created',
      'request.assigned',
      'request.status_changed',
      'request.submitted',
      'user.registered',
      'user.snapshot',
      'user.snapshot_requested',
      'user.updated',
    ]);
    expect(isRoutingKey('user.updated')).toBe(true);
    expect(isRoutingKey('toString')).toBe(false);
    expect(isRoutingKey(42)).toBe(false);
  });
});

describe('createEnvelope', () => {
  it('makes a validated envelope of the current version, with a new UUIDv7 and the time now', () => {
    const before = Date.now();
    const envelope = createEnvelope('request.submitted', submitted, {
      producer: 'request-service',
      correlationId: 'req-123',
    });
    expect(envelope).toEqual({
      id: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      type: 'request.submitted',
      version: 1,
      occurred_at: expect.stringMatching(/Z$/),
      producer: 'request-service',
      correlation_id: 'req-123',
      data: submitted,
    });
    expect(Date.parse(envelope.occurred_at)).toBeGreaterThanOrEqual(before);
  });

  it('takes the id and time it is given; no correlation id is null', () => {
    const envelope = createEnvelope(
      'user.registered',
      {
        user_id: userId,
        email: 'layla@example.com',
        full_name: null,
        role: 'user',
        tier: 5000,
        created_at: '2026-11-22T10:00:00.000Z',
      },
      {
        producer: 'user-service',
        id: '0192f0c4-0000-7000-8000-000000000009',
        occurredAt: new Date('2026-11-22T10:00:00.000Z'),
      },
    );
    expect(envelope.id).toBe('0192f0c4-0000-7000-8000-000000000009');
    expect(envelope.occurred_at).toBe('2026-11-22T10:00:00.000Z');
    expect(envelope.correlation_id).toBeNull();
  });

  it('refuses data that breaks its own contract, saying where', () => {
    expect(() =>
      createEnvelope(
        'request.assigned',
        {
          request_id: requestId,
          user_id: userId,
          assignee_id: 'not-a-uuid',
          assigned_by: agentId,
          previous_assignee_id: null,
          status: 'assigned',
          conversation_id: conversationId,
          updated_at: '2026-11-22T10:00:00.000Z',
        },
        { producer: 'request-service' },
      ),
    ).toThrow(/request\.assigned v1 breaks its contract: data\.assignee_id: Invalid UUID/);
  });
});

describe('parseEnvelope', () => {
  it('accepts every event type of version 1', () => {
    const samples: Record<string, unknown> = {
      'user.registered': {
        user_id: userId,
        email: 'layla@example.com',
        full_name: 'ليلى 🌙',
        role: 'agent',
        tier: 25000,
        created_at: '2026-11-22T10:00:00Z',
      },
      'user.updated': {
        user_id: userId,
        email: 'layla@example.com',
        full_name: null,
        role: 'admin',
        tier: 100000,
        updated_at: '2026-11-22T10:00:00.123456Z',
        changed: ['role', 'tier'],
      },
      'user.snapshot_requested': { requested_by: 'request-service' },
      'user.snapshot': {
        user_id: userId,
        email: 'layla@example.com',
        full_name: 'ليلى 🌙',
        role: 'agent',
        tier: 5000,
        as_of: '2026-11-22T10:00:00.000Z',
        requested_by: 'request-service',
      },
      'request.submitted': submitted,
      'request.assigned': {
        request_id: requestId,
        user_id: userId,
        assignee_id: agentId,
        assigned_by: agentId,
        previous_assignee_id: null,
        status: 'assigned',
        conversation_id: conversationId,
        updated_at: '2026-11-22T10:00:00.000Z',
      },
      'request.status_changed': {
        request_id: requestId,
        user_id: userId,
        from: 'assigned',
        to: 'in_progress',
        changed_by: agentId,
        assignee_id: agentId,
        conversation_id: conversationId,
        updated_at: '2026-11-22T10:00:00.000Z',
      },
      'conversation.started': {
        conversation_id: conversationId,
        request_id: requestId,
        user_id: userId,
        created_at: '2026-11-22T10:00:00.000Z',
      },
      'message.created': {
        message_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a0f',
        conversation_id: conversationId,
        request_id: requestId,
        user_id: userId,
        seq: 2,
        sender_id: agentId,
        sender_type: 'admin',
        content: 'مرحبا 👋 — your table is booked',
        client_id: null,
        created_at: '2026-11-22T10:00:00.000Z',
      },
    };
    for (const type of ROUTING_KEYS) {
      const envelope = parseEnvelope(wire({ type, data: samples[type] }));
      expect(envelope).toEqual(wire({ type, data: samples[type] }));
    }
  });

  it('narrows data by type', () => {
    const envelope: EventEnvelope = parseEnvelope(wire());
    if (envelope.type !== 'request.submitted') throw new Error('wrong type');
    expect(envelope.data.conversation_id).toBe(conversationId);
  });

  it('drops unknown fields of data: a newer additive version does not break an older consumer', () => {
    const envelope = parseEnvelope(wire({ data: { ...submitted, priority: 'high' } }));
    expect(envelope.data).toEqual(submitted);
    expect(envelope.data).not.toHaveProperty('priority');
  });

  it('is strict about the envelope itself', () => {
    expect(violation(wire({ extra: true })).issues).toEqual(['Unrecognized key: "extra"']);
    expect(violation(wire({ id: 'nope' })).issues).toEqual(['id: Invalid UUID']);
    expect(violation(wire({ occurred_at: '2026-11-22T12:00:00+02:00' })).issues).toEqual([
      'occurred_at: Invalid ISO datetime',
    ]);
    expect(violation(wire({ version: 1.5 })).issues[0]).toMatch(/^version: /);
    expect(violation(wire({ correlation_id: undefined })).issues[0]).toMatch(/^correlation_id: /);
    expect(violation(wire({ producer: '' })).issues[0]).toMatch(/^producer: /);
    const { data: _data, ...withoutData } = wire();
    expect(violation(withoutData).issues[0]).toMatch(/^data: /);
  });

  it('refuses what is not an object at all', () => {
    for (const raw of [null, 'text', 42, [], undefined]) {
      expect(violation(raw).message).toMatch(/^not an event envelope/);
    }
  });

  it('refuses an unknown type or version', () => {
    expect(violation(wire({ type: 'request.exploded' })).message).toBe(
      'unknown event type "request.exploded"',
    );
    expect(violation(wire({ type: '__proto__' })).message).toBe('unknown event type "__proto__"');
    expect(violation(wire({ version: 2 })).message).toBe(
      'unknown version 2 of event type "request.submitted"',
    );
  });

  it('refuses data that breaks the contract of its type and version, listing each problem', () => {
    const error = violation(
      wire({
        data: { ...submitted, type: 'spa', description: '', status: 'assigned', user_id: 7 },
      }),
    );
    expect(error.message).toMatch(/^event request\.submitted v1 breaks its contract: /);
    expect(error.issues.map((issue) => issue.split(':')[0]).sort()).toEqual([
      'data.description',
      'data.status',
      'data.type',
      'data.user_id',
    ]);
  });

  it('counts characters as code points, like the services: 5000 emoji are a valid description', () => {
    const emoji = '🌊'.repeat(5000);
    expect(parseEnvelope(wire({ data: { ...submitted, description: emoji } })).data).toMatchObject({
      description: emoji,
    });
    expect(violation(wire({ data: { ...submitted, description: `${emoji}x` } })).issues).toEqual([
      'data.description: must be 1 to 5000 characters',
    ]);
  });

  it('checks the values of user events: roles, tiers, changed fields', () => {
    const user = {
      user_id: userId,
      email: 'layla@example.com',
      full_name: null,
      role: 'user',
      tier: 5000,
      updated_at: '2026-11-22T10:00:00.000Z',
      changed: ['full_name'],
    };
    expect(() => parseEnvelope(wire({ type: 'user.updated', data: user }))).not.toThrow();
    for (const bad of [
      { role: 'root' },
      { tier: 1000 },
      { changed: [] },
      { changed: ['password_hash'] },
      { email: 'no at sign' },
      { full_name: '' },
      { full_name: 'x'.repeat(201) },
    ]) {
      expect(() =>
        parseEnvelope(wire({ type: 'user.updated', data: { ...user, ...bad } })),
      ).toThrow(ContractViolation);
    }
  });

  it('wants a snapshot to say as of when, and for whom; a request to say who asks', () => {
    const snapshot = {
      user_id: userId,
      email: 'layla@example.com',
      full_name: null,
      role: 'user',
      tier: 5000,
      as_of: '2026-11-22T10:00:00.000Z',
      requested_by: 'notification-service',
    };
    expect(() => parseEnvelope(wire({ type: 'user.snapshot', data: snapshot }))).not.toThrow();
    for (const bad of [{ as_of: undefined }, { as_of: 'yesterday' }, { requested_by: '' }]) {
      expect(() =>
        parseEnvelope(wire({ type: 'user.snapshot', data: { ...snapshot, ...bad } })),
      ).toThrow(ContractViolation);
    }
    expect(() => parseEnvelope(wire({ type: 'user.snapshot_requested', data: {} }))).toThrow(
      ContractViolation,
    );
  });
});

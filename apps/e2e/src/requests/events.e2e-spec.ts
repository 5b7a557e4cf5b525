import amqp from 'amqplib';
import { adminTokens, api, newClient, newStaff } from '../support/api';
import { assign, setStatus, submitRequest } from '../support/requests';
import { e2eState } from '../support/state';

interface Seen {
  routingKey: string;
  persistent: boolean;
  messageId: string | undefined;
  envelope: any;
}

describe('events on ajla.events', () => {
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  const seen: Seen[] = [];

  beforeAll(async () => {
    connection = await amqp.connect(e2eState().rabbitmqUrl);
    channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, 'ajla.events', 'request.*');
    await channel.bindQueue(queue, 'ajla.events', 'user.*');
    await channel.consume(
      queue,
      (msg) => {
        if (!msg) return;
        seen.push({
          routingKey: msg.fields.routingKey,
          persistent: msg.properties.deliveryMode === 2,
          messageId: msg.properties.messageId,
          envelope: JSON.parse(msg.content.toString('utf8')),
        });
      },
      { noAck: true },
    );
  });

  afterAll(async () => {
    await connection?.close();
  });

  async function eventually<T>(find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error('event not seen in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('publishes request.submitted for each submission as a persistent message whose message_id is the envelope id', async () => {
    const client = await newClient();
    const submitted = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        submitRequest(client, { type: 'shopping', description: `item ${i}` }),
      ),
    );
    for (const request of submitted) {
      const event = await eventually(() =>
        seen.find(
          (s) => s.routingKey === 'request.submitted' && s.envelope.data.request_id === request.id,
        ),
      );
      expect(event.persistent).toBe(true);
      expect(event.messageId).toBe(event.envelope.id);
      expect(event.envelope).toMatchObject({
        type: 'request.submitted',
        version: 1,
        producer: 'request-service',
        occurred_at: expect.any(String),
        data: {
          request_id: request.id,
          user_id: client.id,
          type: 'shopping',
          description: request.description,
          status: 'new',
          conversation_id: request.conversation_id,
        },
      });
      const copies = seen.filter(
        (s) => s.routingKey === 'request.submitted' && s.envelope.data.request_id === request.id,
      );
      expect(copies).toHaveLength(1);
    }
  });

  it('publishes request.assigned and request.status_changed along the lifecycle', async () => {
    const client = await newClient();
    const agent = await newStaff('agent');
    const request = await submitRequest(client);
    await assign(agent, request.id);
    await setStatus(agent, request.id, 'in_progress');
    const assigned = await eventually(() =>
      seen.find(
        (s) => s.routingKey === 'request.assigned' && s.envelope.data.request_id === request.id,
      ),
    );
    expect(assigned.envelope.data).toMatchObject({
      assignee_id: agent.id,
      assigned_by: agent.id,
      status: 'assigned',
    });
    const changed = await eventually(() =>
      seen.find(
        (s) =>
          s.routingKey === 'request.status_changed' && s.envelope.data.request_id === request.id,
      ),
    );
    expect(changed.envelope.data).toMatchObject({
      from: 'assigned',
      to: 'in_progress',
      changed_by: agent.id,
    });
  });

  it('delivers the bootstrap admin, published by user-service as the services start together, to request-service', async () => {
    // user-service publishes the admin's user.registered at start, maybe before request-service
    // has ever consumed: the topology step declared request-service's queue first, so the event
    // waited there and the admin is staff in request-service's directory (else 409 assignee_not_staff).
    const { email, password } = e2eState().admin;
    const admin = { id: '', email, password, tokens: await adminTokens() };
    const request = await submitRequest(await newClient());
    const res = await assign(admin, request.id);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('assigned');
  });

  it('publishes user.registered and user.updated (role and tier changes included)', async () => {
    const client = await newClient();
    const registered = await eventually(() =>
      seen.find((s) => s.routingKey === 'user.registered' && s.envelope.data.user_id === client.id),
    );
    expect(registered.envelope.data).toMatchObject({
      email: client.email,
      role: 'user',
      tier: 5000,
    });
    expect(registered.persistent).toBe(true);

    const admin = await adminTokens();
    await api('PATCH', `/api/v1/admin/users/${client.id}`, {
      token: admin.access_token,
      body: { tier: 25000, role: 'agent' },
    });
    const updated = await eventually(() =>
      seen.find((s) => s.routingKey === 'user.updated' && s.envelope.data.user_id === client.id),
    );
    expect(updated.envelope.data).toMatchObject({ role: 'agent', tier: 25000 });
    expect(updated.envelope.data.changed).toEqual(expect.arrayContaining(['role', 'tier']));
  });
});

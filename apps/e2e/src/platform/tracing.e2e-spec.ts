import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { createTestDatabase, waitFor, type TestDatabase } from '@ajla/testing';
import { api, uniqueEmail } from '../support/api';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { startPlatformOnDatabase, type PlatformOnDatabase } from '../support/platform-on-database';
import { REPO_ROOT } from '../support/state';

/**
 * Tracing (OpenTelemetry), black box: a platform of its own, started with the standard `OTEL_*`
 * variables pointing at an OTLP receiver in this process. A user action that enters the gateway
 * with a `traceparent` is one whole trace: every span of every service is in it, each one's parent
 * is in it too, and the only root is the gateway's span, child of the client's.
 */
describe('tracing (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  let receiver: OtlpReceiver;
  let database: TestDatabase;
  let platform: PlatformOnDatabase;
  let token: string;
  const password = `correct horse ${randomId(4)}`;
  let conversationId: string;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    database = await createTestDatabase('tracing');
    platform = await startPlatformOnDatabase(database.url, 'tracing', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // A service logs its successful requests at debug: their lines are the ones checked below.
      LOG_LEVEL: 'debug',
    });
    const baseUrl = platform.gatewayUrl;
    const email = uniqueEmail('traced');
    const registered = await api('POST', '/api/v1/auth/register', {
      baseUrl,
      body: { email, password, full_name: 'Traced Client' },
    });
    expect(registered.status).toBe(201);
    const login = await api('POST', '/api/v1/auth/login', { baseUrl, body: { email, password } });
    expect(login.status).toBe(200);
    token = login.body.access_token;
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await database?.drop();
    await receiver?.stop();
  });

  it('follows a submitted request from the gateway through request-service, conversation-service and every consumer', async () => {
    const client = clientSpan();
    const submitted = await api('POST', '/api/v1/requests', {
      baseUrl: platform.gatewayUrl,
      token,
      headers: { traceparent: client.traceparent },
      body: { type: 'dining', description: 'A table for two, traced' },
    });
    expect(submitted.status).toBe(201);
    conversationId = submitted.body.conversation_id;

    const spans = await wholeTrace(client, (trace) =>
      ['conversation-service', 'notification-service'].every((service) =>
        trace.some((s) => isConsumerOf(s, service, 'request.submitted')),
      ),
    );
    const tree = new SpanTree(spans);

    const [root] = tree.roots();
    expect(root).toMatchObject({ service: 'gateway', kind: 'server' });
    const requestServer = tree.one('request-service', 'server');
    expect(requestServer.name).toBe('POST /api/v1/requests');
    expect(tree.parentOf(requestServer)).toMatchObject({ service: 'gateway', kind: 'client' });
    expect(tree.descendsFrom(requestServer, root)).toBe(true);
    // Its statements, and its call to conversation-service, which continues the trace.
    expect(tree.under(requestServer).some(isDatabaseCall)).toBe(true);
    const conversationServer = tree.one('conversation-service', 'server');
    expect(tree.parentOf(conversationServer)).toMatchObject({
      service: 'request-service',
      kind: 'client',
    });
    expect(tree.descendsFrom(conversationServer, requestServer)).toBe(true);
    expect(tree.under(conversationServer).some(isDatabaseCall)).toBe(true);

    // The event: published by the relay as a child of the request that wrote it, consumed by
    // each subscriber as a child of the publish, its handler's statements children of that.
    const publish = spans.find(
      (s) => s.kind === 'producer' && s.attributes['ajla.event.type'] === 'request.submitted',
    )!;
    expect(publish).toMatchObject({ service: 'request-service' });
    expect(publish.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': 'ajla.events',
      'messaging.rabbitmq.destination.routing_key': 'request.submitted',
    });
    expect(tree.descendsFrom(publish, requestServer)).toBe(true);
    for (const service of ['conversation-service', 'notification-service']) {
      const consumer = spans.find((s) => isConsumerOf(s, service, 'request.submitted'))!;
      expect(tree.parentOf(consumer)).toBe(publish);
      expect(consumer.attributes['messaging.message.id']).toBe(
        publish.attributes['messaging.message.id'],
      );
      // The call opened the conversation (above): on the replica that answered it, the event is
      // acknowledged without a transaction, even when it came while the call was writing (it
      // waits for that opening); only an event that overtook the call itself opens a transaction.
      const outcome = consumer.attributes['ajla.delivery.outcome'];
      expect(service === 'notification-service' ? ['handled'] : ['ignored', 'handled']).toContain(
        outcome,
      );
      expect(tree.under(consumer).some(isDatabaseCall)).toBe(outcome === 'handled');
    }

    // Log lines name the trace and the span they were written in (written within 200 ms: the
    // services buffer their output).
    const logged = await waitFor(() => {
      const lines = logLinesOf('request-service').filter((line) => line.traceId === client.traceId);
      return lines.length > 0 ? lines : undefined;
    });
    const spanIds = new Set(spans.map((s) => s.spanId));
    expect(logged.every((line) => spanIds.has(String(line.spanId)))).toBe(true);
  });

  it('follows a chat message from the gateway session through the frame to its consumers', async () => {
    const client = clientSpan();
    const base = platform.gatewayUrl.replace(/^http/, 'ws');
    const ws = new WebSocket(`${base}/ws/chat/${conversationId}?token=${token}`, {
      headers: { traceparent: client.traceparent },
    });
    const frames: { type: string }[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(
      JSON.stringify({ type: 'message.send', content: 'Traced hello', client_id: randomUUID() }),
    );
    await waitFor(() => frames.some((frame) => frame.type === 'ack'), 10_000);
    ws.close(1000);

    const spans = await wholeTrace(
      client,
      (trace) =>
        trace.some((s) => s.service === 'gateway' && s.name === 'WS proxy') &&
        trace.some((s) => isConsumerOf(s, 'notification-service', 'message.created')),
    );
    const tree = new SpanTree(spans);
    const [proxy] = tree.roots();
    expect(proxy).toMatchObject({ service: 'gateway', kind: 'server', name: 'WS proxy' });
    const session = tree.one('conversation-service', 'server', 'WS /ws/chat/:conversation_id');
    expect(tree.parentOf(session)).toBe(proxy);
    const frame = tree.one('conversation-service', 'server', 'WS message.send');
    expect(tree.parentOf(frame)).toBe(session);
    expect(tree.under(frame).some(isDatabaseCall)).toBe(true);
    const publish = spans.find(
      (s) => s.kind === 'producer' && s.attributes['ajla.event.type'] === 'message.created',
    )!;
    expect(tree.descendsFrom(publish, frame)).toBe(true);
    const consumer = spans.find((s) => isConsumerOf(s, 'notification-service', 'message.created'))!;
    expect(tree.parentOf(consumer)).toBe(publish);
  });

  it('keeps query values out of spans as out of logs: paging and filters only', async () => {
    const client = clientSpan();
    const secret = `s3cr3t-${randomId(4)}`;
    const listed = await api('GET', `/api/v1/requests?page=1&secret_code=${secret}`, {
      baseUrl: platform.gatewayUrl,
      token,
      headers: { traceparent: client.traceparent },
    });
    expect(listed.status).toBeLessThan(500);
    const spans = await wholeTrace(client, (trace) =>
      trace.some((s) => s.service === 'request-service' && s.kind === 'server'),
    );
    const servers = spans.filter((s) => s.kind === 'server');
    expect(servers.map((s) => s.attributes['url.query'])).toEqual([
      'page=1&secret_code=[REDACTED]',
      'page=1&secret_code=[REDACTED]',
    ]);
    expect(JSON.stringify(spans)).not.toContain(secret);
  });

  it('exports no password or token: not from registration and login, nor the WebSocket query', () => {
    const exported = JSON.stringify(receiver.spans);
    expect(receiver.spans.length).toBeGreaterThan(20);
    expect(exported).not.toContain(password);
    expect(exported).not.toContain(token);
    expect(exported).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./);
  });

  /**
   * The trace's spans once `complete` holds and every span's parent has arrived (services export
   * in batches, so a parent may come after its children), with the client's span as the only
   * missing parent.
   */
  async function wholeTrace(
    client: ReturnType<typeof clientSpan>,
    complete: (trace: ReceivedSpan[]) => boolean,
  ): Promise<ReceivedSpan[]> {
    try {
      return await waitFor(
        () => {
          const trace = receiver.trace(client.traceId);
          const tree = new SpanTree(trace);
          const roots = tree.roots();
          return complete(trace) && roots.length === 1 && roots[0]!.parentSpanId === client.spanId
            ? trace
            : undefined;
        },
        20_000,
        100,
      );
    } catch (error) {
      const trace = receiver.trace(client.traceId);
      throw new Error(
        `No whole trace: ${trace.map((s) => `${s.service} ${s.kind} "${s.name}" ${s.spanId}<-${s.parentSpanId}`).join('; ')}`,
        { cause: error },
      );
    }
  }
});

/** The span of the client that starts the action, as its `traceparent` names it. */
function clientSpan(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomId(16);
  const spanId = randomId(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

function randomId(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function isDatabaseCall(span: ReceivedSpan): boolean {
  return (
    span.attributes['db.system'] === 'postgresql' ||
    span.attributes['db.system.name'] === 'postgresql'
  );
}

function isConsumerOf(span: ReceivedSpan, service: string, eventType: string): boolean {
  return (
    span.service === service &&
    span.kind === 'consumer' &&
    span.attributes['ajla.event.type'] === eventType
  );
}

function logLinesOf(app: string): Record<string, unknown>[] {
  const text = readFileSync(path.join(REPO_ROOT, 'tmp/e2e-logs', `tracing-${app}.log`), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The parent links of one trace's spans. */
class SpanTree {
  private readonly byId: Map<string, ReceivedSpan>;
  constructor(private readonly spans: ReceivedSpan[]) {
    this.byId = new Map(spans.map((span) => [span.spanId, span]));
  }

  /** Spans whose parent is not in the trace. */
  roots(): ReceivedSpan[] {
    return this.spans.filter((span) => !this.byId.has(span.parentSpanId));
  }

  parentOf(span: ReceivedSpan): ReceivedSpan | undefined {
    return this.byId.get(span.parentSpanId);
  }

  descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
    for (let at = this.parentOf(span); at; at = this.parentOf(at)) {
      if (at === ancestor) return true;
    }
    return false;
  }

  /** Every span below `ancestor`. */
  under(ancestor: ReceivedSpan): ReceivedSpan[] {
    return this.spans.filter((span) => this.descendsFrom(span, ancestor));
  }

  /** The one span of `service` of that kind (and name); fails the test otherwise. */
  one(service: string, kind: ReceivedSpan['kind'], name?: string): ReceivedSpan {
    const found = this.spans.filter(
      (span) =>
        span.service === service &&
        span.kind === kind &&
        (name === undefined || span.name === name),
    );
    expect(found.map((span) => `${span.service} ${span.kind} ${span.name}`)).toHaveLength(1);
    return found[0]!;
  }
}

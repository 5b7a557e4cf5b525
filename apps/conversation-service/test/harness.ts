/* eslint-disable @typescript-eslint/no-explicit-any -- like the specs: untyped JSON answers and frames */
// Boots conversation-service instances for integration specs: a fresh database, a Redis prefix, a
// RabbitMQ exchange and service name of the run's own, real HTTP and WebSocket on free ports
// (@ajla/service-testing).
import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Role } from '@ajla/auth';
import type { EventEnvelope } from '@ajla/contracts';
import { loadConfig } from '@ajla/platform';
import {
  callJson,
  startServiceApp,
  TEST_RABBITMQ_URL,
  TEST_REDIS_URL,
  TestEventBus,
  testRevocations,
  TestTokens,
  type JsonAnswer,
  type TestAccount,
} from '@ajla/service-testing';
import { newId } from '@ajla/shared-kernel';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '@ajla/testing';
import type { ConsumeMessage } from 'amqplib';
import { WebSocket } from 'ws';
import { AppModule, OPEN_API, SERVICE_NAME } from '../src/app.module';
import { ConversationServiceConfig } from '../src/config/conversation-service.config';

export const RABBITMQ_URL = TEST_RABBITMQ_URL;
export const REDIS_URL = TEST_REDIS_URL;
const RETRY_DELAYS_MS = [200, 500];

export type Account = TestAccount;
/** Status and body: what the specs compare whole. */
export type Answer = Pick<JsonAnswer, 'status' | 'body'>;

export interface Replica {
  app: NestFastifyApplication;
  baseUrl: string;
  wsUrl: string;
  config: ConversationServiceConfig;
}

/** One test run's shared resources, and replicas of the service on them. */
export class ServiceHarness {
  readonly run = randomBytes(4).toString('hex');
  readonly messagingName = `conversation-service-t-${this.run}`;
  readonly redisPrefix = uniqueRedisPrefix('conversations');
  db!: TestDatabase;
  private tokens!: TestTokens;
  private bus!: TestEventBus;
  readonly replicas: Replica[] = [];

  async setUp(label: string): Promise<void> {
    this.db = await createTestDatabase(`conversation_${label}`);
    this.tokens = await TestTokens.create('conversation');
    this.bus = await TestEventBus.open('conversations');
    await this.bus.declareConsumer(
      { messagingName: this.messagingName, retryDelaysMs: RETRY_DELAYS_MS },
      SERVICE_NAME,
    );
  }

  /** What the service publishes on keys `patterns` match, from now on (after `setUp`). */
  tap(...patterns: string[]): Promise<ConsumeMessage[]> {
    return this.bus.tap(...patterns);
  }

  /** Publishes an event the way a relay does (after `setUp`). */
  publish(envelope: EventEnvelope): void {
    this.bus.publish(envelope);
  }

  /** The run's signing keys (after `setUp`). */
  get keysDir(): string {
    return this.tokens.keysDir;
  }

  async startReplica(env: Record<string, string> = {}): Promise<Replica> {
    const config = loadConfig(ConversationServiceConfig, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: this.db.url,
      JWT_KEYS_DIR: this.keysDir,
      RABBITMQ_URL,
      REDIS_URL,
      REDIS_KEY_PREFIX: this.redisPrefix,
      EVENTS_EXCHANGE: this.bus.exchange,
      OUTBOX_POLL_INTERVAL_MS: '50',
      // Published outbox rows stay (marked) so that tests can read what was recorded.
      OUTBOX_RETENTION_HOURS: '1',
      CONSUMER_RETRY_DELAYS_MS: RETRY_DELAYS_MS.join(','),
      SHUTDOWN_GRACE_MS: '5000',
      ...env,
    });
    const running = await startServiceApp(
      AppModule.forRoot(config, { messagingName: this.messagingName }),
      { serviceName: SERVICE_NAME, config, openApi: OPEN_API },
    );
    const replica = { ...running, config };
    this.replicas.push(replica);
    return replica;
  }

  async stopReplica(replica: Replica): Promise<void> {
    const at = this.replicas.indexOf(replica);
    if (at >= 0) this.replicas.splice(at, 1);
    await replica.app.close();
  }

  async tearDown(): Promise<void> {
    for (const replica of [...this.replicas])
      await this.stopReplica(replica).catch(() => undefined);
    await this.bus?.close([{ messagingName: this.messagingName, retryDelaysMs: RETRY_DELAYS_MS }]);
    await this.db?.drop();
    this.tokens?.dispose();
  }

  account(role: Role, id?: string): Promise<Account> {
    return this.tokens.account(role, id);
  }

  /** Announces revocations the way user-service does, on this run's Redis prefix. */
  revocations() {
    return testRevocations(this.redisPrefix);
  }
}

export async function call(
  baseUrl: string,
  method: string,
  url: string,
  options: { body?: unknown; raw?: string; as?: Account } = {},
): Promise<Answer> {
  const { status, body } = await callJson(baseUrl, method, url, {
    body: options.body,
    raw: options.raw,
    token: options.as?.token,
  });
  return { status, body };
}

/** Opens the conversation of a (made-up) request the way request-service does. */
export async function openConversation(
  baseUrl: string,
  client: Account,
  description = 'A table for two, Friday 8 pm 🍽️',
): Promise<{ conversationId: string; requestId: string }> {
  const conversationId = newId();
  const requestId = newId();
  const res = await call(baseUrl, 'PUT', `/internal/conversations/${conversationId}`, {
    as: client,
    body: {
      request_id: requestId,
      user_id: client.id,
      description,
      created_at: new Date().toISOString(),
    },
  });
  if (res.status !== 201) throw new Error(`open failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { conversationId, requestId };
}

/** A WebSocket client that keeps every frame it got, and waits for the ones a test expects. */
export class ChatClient {
  readonly frames: any[] = [];
  closeCode: number | undefined;
  closeReason: string | undefined;
  private waiters: (() => void)[] = [];
  private closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)));
      this.notify();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = String(reason);
        this.notify();
        resolve(code);
      }),
    );
  }

  static connect(
    wsUrl: string,
    conversationId: string,
    account: Account | undefined,
    options: { afterSeq?: number; subprotocol?: boolean; query?: string } = {},
  ): Promise<ChatClient> {
    const query = new URLSearchParams();
    if (account && !options.subprotocol) query.set('token', account.token);
    if (options.afterSeq !== undefined) query.set('after_seq', String(options.afterSeq));
    const search = options.query ?? query.toString();
    const ws = new WebSocket(
      `${wsUrl}/ws/chat/${conversationId}${search ? `?${search}` : ''}`,
      account && options.subprotocol ? ['bearer', account.token] : undefined,
    );
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new ChatClient(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () =>
          reject(
            Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode, body }),
          ),
        );
      });
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Message frames' messages, in the order received. */
  get messages(): any[] {
    return this.frames.filter((f) => f.type === 'message').map((f) => f.message);
  }

  of(type: string): any[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Waits until `check` returns something other than undefined/false. */
  async until<T>(check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out; frames so far: ${JSON.stringify(this.frames.slice(-5))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  untilMessages(count: number, timeoutMs?: number): Promise<any[]> {
    return this.until(() => (this.messages.length >= count ? this.messages : undefined), timeoutMs);
  }

  whenClosed(): Promise<number> {
    return this.closed;
  }

  close(): Promise<number> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    return this.closed;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

// Kills a replica (SIGKILL) in the window between a message's commit and its fan-out. Runs with the
// other fault specs, one at a time (scripts/test.sh); needs the built service (`npm run build`).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { EVENTS_EXCHANGE } from '@ajla/contracts';
import { DEFAULT_RETRY_DELAYS_MS, declareEventTopologyAt, parseRetryDelays } from '@ajla/messaging';
import { newId } from '@ajla/shared-kernel';
import { createTestVhost, ServiceProcess, tcpProxy, waitFor, type TcpProxy } from '@ajla/testing';
import { Client } from 'pg';
import {
  ChatClient,
  openConversation,
  RABBITMQ_URL,
  REDIS_URL,
  ServiceHarness,
  type Account,
} from '../test/harness';

jest.setTimeout(120_000);

const REPO_ROOT = path.resolve(__dirname, '../../..');
const MAIN = path.join(REPO_ROOT, 'dist/apps/conversation-service/src/main.js');
const LOGS = path.join(REPO_ROOT, 'tmp/fault-logs');
const wsOf = (url: string) => url.replace(/^http/, 'ws').replace(/\/$/, '');

/**
 * Two replicas in processes of their own on one database, broker (a vhost of the run's own) and
 * Redis. Replica A reaches Redis through a proxy, and the sender reaches A through another: the
 * test silences them, so that A commits a message but neither fans it out nor acknowledges it,
 * then kills A. That message must still reach every socket as soon as the sender resends it.
 */
describe('a replica killed between a message’s commit and its fan-out', () => {
  const harness = new ServiceHarness();
  let vhost: { url: string; drop(): void };
  let redisOfA: TcpProxy;
  let senderToA: TcpProxy;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let db: Client;
  let layla: Account;
  let agent: Account;
  const sockets: ChatClient[] = [];

  const startReplica = (name: string, redisUrl: string) =>
    ServiceProcess.start(`replica ${name}`, {
      script: MAIN,
      cwd: REPO_ROOT,
      logFile: path.join(LOGS, `conversation-service-${harness.run}-${name}.log`),
      env: {
        NODE_ENV: 'test',
        DATABASE_URL: harness.db.url,
        RABBITMQ_URL: vhost.url,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: harness.redisPrefix,
        JWT_KEYS_DIR: harness.keysDir,
      },
    });

  const connect = async (url: string, conversationId: string, who: Account, afterSeq?: number) => {
    const socket = await ChatClient.connect(wsOf(url), conversationId, who, { afterSeq });
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    mkdirSync(LOGS, { recursive: true });
    await harness.setUp('replica_killed');
    vhost = createTestVhost(RABBITMQ_URL, 'conversation_fault');
    // The topology step, as `npm run up` runs it before the services (they only check it).
    await declareEventTopologyAt(vhost.url, {
      exchange: EVENTS_EXCHANGE,
      retryDelaysMs: parseRetryDelays(DEFAULT_RETRY_DELAYS_MS),
    });
    redisOfA = await tcpProxy(REDIS_URL);
    // One at a time: the first migrates the database.
    a = await startReplica('a', redisOfA.url);
    b = await startReplica('b', REDIS_URL);
    senderToA = await tcpProxy(a.url);
    db = new Client({ connectionString: harness.db.url });
    await db.connect();
    [layla, agent] = await Promise.all([harness.account('user'), harness.account('agent')]);
  });

  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    await Promise.all([a?.kill('SIGKILL'), b?.kill('SIGTERM')]);
    await Promise.all([redisOfA?.close(), senderToA?.close(), db?.end()]);
    vhost?.drop();
    await harness.tearDown();
  });

  it('reaches the other sockets at once when the sender resends it to another replica, once each', async () => {
    const { conversationId } = await openConversation(b.url, layla);
    const watcherOnB = await connect(b.url, conversationId, agent);
    const senderOnA = await connect(senderToA.url, conversationId, layla);

    // From now on A's publishes never reach Redis, and nothing A sends reaches the sender.
    redisOfA.hold('both');
    senderToA.hold('downstream');
    const clientId = newId();
    senderOnA.send({ type: 'message.send', content: 'Are you there?', client_id: clientId });
    const stored = await waitFor(async () => {
      const { rows } = await db.query<{ seq: number }>(
        'SELECT seq FROM conversations.messages WHERE conversation_id = $1 AND client_id = $2',
        [conversationId, clientId],
      );
      return rows[0];
    }, 10_000);
    await a.kill('SIGKILL');
    await senderOnA.whenClosed();
    // Committed, but nobody was told: the sender has no ack, the watcher no message.
    expect(senderOnA.of('ack')).toEqual([]);
    expect(watcherOnB.messages).toEqual([]);

    // The sender resumes on B from the last seq it saw and resends what was never acknowledged.
    const senderOnB = await connect(b.url, conversationId, layla, 1);
    senderOnB.send({ type: 'message.send', content: 'Are you there?', client_id: clientId });
    const ack = await senderOnB.until(() => senderOnB.of('ack')[0]);
    expect(ack.message).toMatchObject({ seq: stored.seq, client_id: clientId });
    // The watcher gets it now, not when a later message reveals the gap.
    const [seen] = await watcherOnB.untilMessages(1);
    expect(seen).toMatchObject({ seq: stored.seq, client_id: clientId, content: 'Are you there?' });

    // Once each: a later message arrives right after it on both sockets, with no copy between.
    watcherOnB.send({ type: 'message.send', content: 'Yes, here', client_id: newId() });
    for (const socket of [watcherOnB, senderOnB]) {
      const messages = await socket.untilMessages(2);
      expect(messages.map((m) => m.seq)).toEqual([stored.seq, stored.seq + 1]);
    }
  });
});

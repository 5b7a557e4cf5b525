import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  BEARER_SUBPROTOCOL,
  RevocationFeedUnavailableError,
  SessionRevocations,
  WsHandshakeVerifier,
  revocationAffects,
  type AuthenticatedUser,
  type RevocationEntry,
} from '@ajla/auth';
import {
  CORRELATION_ID_HEADER,
  createRequestContext,
  METRICS_REGISTRY,
  TRACEPARENT_HEADER,
  type RequestContext,
} from '@ajla/platform';
import { DomainError } from '@ajla/shared-kernel';
import { Counter, Gauge, type Registry } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import { JoinChatHandler } from '../../application/join-chat/join-chat.handler';
import type { Caller } from '../../application/ports/caller';
import { MarkReadHandler } from '../../application/mark-read/mark-read.handler';
import { PostMessageHandler } from '../../application/post-message/post-message.handler';
import {
  CONVERSATION_REPOSITORY,
  type ConversationRepository,
} from '../../domain/conversation/conversation.repository.port';
import type { Conversation } from '../../domain/conversation/conversation.aggregate';
import type { UserId } from '../../domain/ids';
import { ConversationServiceConfig } from '../../config/conversation-service.config';
import { ChatConnection, type ChatConnectionDeps } from './chat-connection';
import { ChatHub } from './chat-hub';

const CHAT_PATH = /^\/ws\/chat\/([^/]+)\/?$/;
const AFTER_SEQ = /^\d{1,10}$/;
/** Seqs are Postgres `integer`s. */
const MAX_SEQ = 2_147_483_647;
const STATUS_BY_CODE: Record<string, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
};

/**
 * Close code and reasons for a connection whose token lost its rights: the session ended (sign in
 * again) or the account's role or tier changed (refresh the token and reconnect). 1008 "policy
 * violation" is what the protocol has for "this connection may no longer go on"; the reason says why.
 */
export const REVOKED_CLOSE_CODE = 1008;
const REVOKED_REASON: Record<RevocationEntry['kind'], string> = {
  session_revoked: 'session revoked',
  access_changed: 'access changed',
};

/** A handshake refused before any WebSocket exists: an HTTP answer in the API's error shape. */
class HandshakeRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `GET /ws/chat/{conversation_id}` on the service's own HTTP server, with the `ws` library (no
 * Nest gateway layer on the hot path): the upgrade is checked (token, access, `after_seq`) before
 * it is accepted, so refusals are plain HTTP 400/401/404 answers. Then each connection is a
 * `ChatConnection`. Heartbeats drop dead peers; a revoked session's connections (and those of a
 * user whose access changed) are closed with 1008 as soon as the revocation list hears of it; on
 * shutdown every connection is closed with 1001 before the HTTP server, Redis and Postgres close.
 */
@Injectable()
export class ChatServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatServer.name);
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<ChatConnection>();
  /** The token each connection was opened with: what a revocation is matched against. */
  private readonly credentials = new WeakMap<ChatConnection, AuthenticatedUser>();
  private stopHearingRevocations?: () => void;
  private heartbeat?: NodeJS.Timeout;
  private shuttingDown = false;
  private readonly deps: ChatConnectionDeps;
  private readonly metrics?: {
    refused: Counter<'status'>;
    closed: Counter<'code'>;
  };

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly handshake: WsHandshakeVerifier,
    private readonly joinChat: JoinChatHandler,
    private readonly hub: ChatHub,
    @Inject(CONVERSATION_REPOSITORY) conversations: ConversationRepository,
    postMessage: PostMessageHandler,
    markRead: MarkReadHandler,
    private readonly config: ConversationServiceConfig,
    private readonly revocations: SessionRevocations,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.CHAT_MAX_FRAME_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
      // Browsers send the token as the subprotocol pair `bearer, <token>`: answer `bearer`.
      handleProtocols: (protocols) =>
        [...protocols].find((p) => p.toLowerCase() === BEARER_SUBPROTOCOL) ?? false,
    });
    this.deps = {
      hub,
      conversations,
      postMessage,
      markRead,
      logger: this.logger,
      rate: { burst: config.CHAT_RATE_BURST, perSecond: config.CHAT_RATE_PER_SECOND },
    };
    if (registry !== undefined) {
      const connections = this.connections;
      new Gauge({
        name: 'ajla_chat_connections',
        help: 'Open chat WebSockets on this replica',
        registers: [registry],
        collect() {
          this.set(connections.size);
        },
      });
      this.metrics = {
        refused: new Counter({
          name: 'ajla_chat_handshakes_refused_total',
          help: 'Chat WebSocket handshakes refused, by HTTP status',
          labelNames: ['status'],
          registers: [registry],
        }),
        closed: new Counter({
          name: 'ajla_chat_disconnections_total',
          help: 'Chat WebSockets closed, by close code (1008 flooding, 1009 oversized, ...)',
          labelNames: ['code'],
          registers: [registry],
        }),
      };
    }
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.onUpgrade(req, socket, head);
    });
    this.heartbeat = setInterval(() => this.beat(), this.config.CHAT_HEARTBEAT_MS);
    this.heartbeat.unref();
    this.stopHearingRevocations = this.revocations.onEntry((entry) => this.closeRevoked(entry));
  }

  /** Open connections on this replica. */
  get size(): number {
    return this.connections.size;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.heartbeat);
    this.stopHearingRevocations?.();
    const closed = [...this.connections].map(
      (connection) =>
        new Promise<void>((resolve) => {
          connection.onClosed(resolve);
          connection.close(1001, 'server shutting down');
        }),
    );
    // Peers that do not answer the close handshake are cut off after a second.
    const timer = setTimeout(() => {
      for (const connection of this.connections) connection.terminate();
    }, 1000);
    await Promise.all(closed);
    clearTimeout(timer);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await this.hub.close();
  }

  /** Closes the connections opened with a token the entry takes rights from. */
  private closeRevoked(entry: RevocationEntry): void {
    for (const connection of this.connections) {
      const token = this.credentials.get(connection);
      if (token !== undefined && revocationAffects(entry, token)) {
        connection.close(REVOKED_CLOSE_CODE, REVOKED_REASON[entry.kind]);
      }
    }
  }

  /**
   * A revocation that arrived while the handshake was being checked (after the token was) found
   * no connection to close: look again now that there is one.
   */
  private revokedSinceHandshake(token: AuthenticatedUser): RevocationEntry['kind'] | undefined {
    try {
      const now = this.revocations.admit(token);
      return now.role === token.role && now.tier === token.tier ? undefined : 'access_changed';
    } catch (error) {
      // While the list cannot vouch for itself, the reload after it comes back closes what it must.
      return error instanceof RevocationFeedUnavailableError ? undefined : 'session_revoked';
    }
  }

  private beat(): void {
    for (const connection of this.connections) {
      if (!connection.alive) connection.terminate();
      else connection.ping();
    }
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    try {
      if (this.shuttingDown) {
        throw new HandshakeRefusal(503, 'unavailable', 'Service is shutting down');
      }
      const url = new URL(req.url ?? '/', 'http://upgrade');
      const path = CHAT_PATH.exec(url.pathname);
      if (path === null) throw new HandshakeRefusal(404, 'not_found', 'Not found');
      const conversationId = decodedSegment(path[1]!);
      if (conversationId === undefined) throw new HandshakeRefusal(404, 'not_found', 'Not found');
      const rawAfter = url.searchParams.get('after_seq');
      if (rawAfter !== null && (!AFTER_SEQ.test(rawAfter) || Number(rawAfter) > MAX_SEQ)) {
        throw new HandshakeRefusal(
          400,
          'validation',
          `after_seq must be an integer from 0 to ${MAX_SEQ}`,
        );
      }
      const user = await this.handshake.authenticate(req);
      const caller: Caller = { id: user.id.toLowerCase() as UserId, role: user.role };
      const conversation = await this.joinChat.execute({ caller, conversationId });
      const context = createRequestContext({
        correlationId: req.headers[CORRELATION_ID_HEADER],
        traceparent: req.headers[TRACEPARENT_HEADER],
      });
      if (socket.destroyed) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.accept(
          ws,
          conversation,
          caller,
          user,
          context,
          rawAfter === null ? undefined : Number(rawAfter),
        );
      });
    } catch (error) {
      this.refuse(socket, error);
    }
  }

  private accept(
    ws: WebSocket,
    conversation: Conversation,
    caller: Caller,
    token: AuthenticatedUser,
    context: RequestContext,
    afterSeq: number | undefined,
  ): void {
    const connection = new ChatConnection(ws, conversation, caller, context, this.deps);
    this.connections.add(connection);
    this.credentials.set(connection, token);
    ws.once('close', (code) => {
      this.connections.delete(connection);
      this.metrics?.closed.inc({ code: String(code) });
    });
    ws.on('error', () => undefined); // a peer's protocol error: ws closes the socket itself
    if (this.shuttingDown) {
      connection.close(1001, 'server shutting down');
      return;
    }
    const revokedMeanwhile = this.revokedSinceHandshake(token);
    if (revokedMeanwhile !== undefined) {
      connection.close(REVOKED_CLOSE_CODE, REVOKED_REASON[revokedMeanwhile]);
      return;
    }
    connection.start(afterSeq).catch((error: unknown) => {
      this.logger.error(`chat ${conversation.id}: could not start: ${String(error)}`);
      connection.close(1011, 'internal error');
    });
  }

  private refuse(socket: Duplex, error: unknown): void {
    let status = 500;
    let body = { detail: 'Internal server error', code: 'internal' };
    let retryAfter = '';
    if (error instanceof HandshakeRefusal) {
      status = error.status;
      body = { detail: error.message, code: error.code };
    } else if (error instanceof RevocationFeedUnavailableError) {
      status = 503;
      body = { detail: error.message, code: 'unavailable' };
      retryAfter = `Retry-After: ${error.retryAfterSeconds}\r\n`;
    } else if (error instanceof DomainError && STATUS_BY_CODE[error.code] !== undefined) {
      status = STATUS_BY_CODE[error.code]!;
      body = { detail: error.message, code: error.reason };
    } else {
      this.logger.error(`WebSocket handshake failed: ${String(error)}`, (error as Error)?.stack);
    }
    this.metrics?.refused.inc({ status: String(status) });
    if (socket.destroyed) return;
    const json = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Connection: close\r\n' +
        'Content-Type: application/json; charset=utf-8\r\n' +
        retryAfter +
        `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
    );
  }
}

/** A percent-decoded path segment, or undefined when its encoding is malformed (`%zz`). */
function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

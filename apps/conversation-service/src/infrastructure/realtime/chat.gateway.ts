import type { IncomingMessage } from 'node:http';
import {
  Inject,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
  UseFilters,
} from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
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
  ErrorFrameFilter,
  METRICS_REGISTRY,
  UpgradeRefusal,
  type TypedFrame,
  type WsGatewayServer,
  type WsUpgrade,
} from '@ajla/platform';
import { ValidationError } from '@ajla/shared-kernel';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import { JoinChatHandler } from '../../application/join-chat/join-chat.handler';
import type { Caller } from '../../application/ports/caller';
import { MarkReadHandler } from '../../application/mark-read/mark-read.handler';
import { PostMessageHandler } from '../../application/post-message/post-message.handler';
import {
  CONVERSATION_REPOSITORY,
  type ConversationRepository,
} from '../../domain/conversation/conversation.repository.port';
import type { UserId } from '../../domain/ids';
import { ConversationServiceConfig } from '../../config/conversation-service.config';
import { MessageResponse } from '../web/dto/message.response';
import { ChatConnection, type ChatAdmission, type ChatConnectionDeps } from './chat-connection';
import { chatFrame } from './chat-frames';
import { ChatHub } from './chat-hub';

const AFTER_SEQ = /^\d{1,10}$/;
/** Seqs are Postgres `integer`s. */
const MAX_SEQ = 2_147_483_647;

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

/**
 * `GET /ws/chat/{conversation_id}`, a gateway on the platform's `WsGatewayAdapter`: the upgrade is
 * checked (`after_seq`, token, access) before it is accepted, so refusals are plain HTTP
 * 400/401/404 answers; each frame goes to the handler of its `type`, one at a time per
 * connection. A revoked session's connections (and those of a user whose access changed) are
 * closed with 1008 as soon as the revocation list hears of it. (Heartbeats, the rate limit and
 * 1001 on shutdown are the adapter's.)
 */
@WebSocketGateway({
  path: '/ws/chat/:conversation_id',
  // Browsers send the token as the subprotocol pair `bearer, <token>`: answer `bearer`.
  handleProtocols: (protocols: Set<string>) =>
    [...protocols].find((p) => p.toLowerCase() === BEARER_SUBPROTOCOL) ?? false,
})
@UseFilters(ErrorFrameFilter)
export class ChatGateway
  implements
    OnGatewayInit<WsGatewayServer<ChatAdmission>>,
    OnGatewayConnection<WebSocket>,
    OnGatewayDisconnect<WebSocket>,
    OnApplicationBootstrap,
    OnApplicationShutdown
{
  private readonly logger = new Logger(ChatGateway.name);
  private readonly connections = new Map<WebSocket, ChatConnection>();
  private stopHearingRevocations?: () => void;
  private readonly deps: ChatConnectionDeps;
  private readonly metrics?: {
    refused: Counter<'status'>;
    closed: Counter<'code'>;
  };

  constructor(
    private readonly handshake: WsHandshakeVerifier,
    private readonly joinChat: JoinChatHandler,
    private readonly hub: ChatHub,
    @Inject(CONVERSATION_REPOSITORY) conversations: ConversationRepository,
    private readonly postMessage: PostMessageHandler,
    private readonly markRead: MarkReadHandler,
    private readonly config: ConversationServiceConfig,
    private readonly revocations: SessionRevocations,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    this.deps = { hub, conversations, logger: this.logger };
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

  afterInit(server: WsGatewayServer<ChatAdmission>): void {
    server.configure({
      admit: (upgrade) => this.admit(upgrade),
      maxPayload: this.config.CHAT_MAX_FRAME_BYTES,
      heartbeatMs: this.config.CHAT_HEARTBEAT_MS,
      rate: { burst: this.config.CHAT_RATE_BURST, perSecond: this.config.CHAT_RATE_PER_SECOND },
      onRefused: (status) => this.metrics?.refused.inc({ status: String(status) }),
    });
  }

  onApplicationBootstrap(): void {
    this.stopHearingRevocations = this.revocations.onEntry((entry) => this.closeRevoked(entry));
  }

  /** After the adapter closed every socket (1001): the fan-out's Redis subscriber goes. */
  async onApplicationShutdown(): Promise<void> {
    this.stopHearingRevocations?.();
    await this.hub.close();
  }

  handleConnection(ws: WebSocket, _request: IncomingMessage, admission: ChatAdmission): void {
    const connection = new ChatConnection(ws, admission, this.deps);
    this.connections.set(ws, connection);
    const revokedMeanwhile = this.revokedSinceHandshake(admission.token);
    if (revokedMeanwhile !== undefined) {
      connection.close(REVOKED_CLOSE_CODE, REVOKED_REASON[revokedMeanwhile]);
      return;
    }
    connection.start(admission.afterSeq).catch((error: unknown) => {
      this.logger.error(`chat ${connection.conversationId}: could not start: ${String(error)}`);
      connection.close(1011, 'internal error');
    });
  }

  /** `code` is the socket's close code (what the ws adapter passes as Nest's "reason"). */
  handleDisconnect(ws: WebSocket, code?: number | string): void {
    this.connections.get(ws)?.stop();
    this.connections.delete(ws);
    this.metrics?.closed.inc({ code: String(code) });
  }

  @SubscribeMessage('message.send')
  async send(ws: WebSocket, frame: TypedFrame): Promise<object> {
    const { content, client_id } = chatFrame['message.send'](frame);
    const connection = this.connectionOf(ws);
    const { message } = await this.postMessage.execute({
      caller: connection.caller,
      conversationId: connection.conversationId,
      content,
      clientId: client_id,
      conversation: connection.conversation,
    });
    return { type: 'ack', client_id, message: MessageResponse.from(message) };
  }

  @SubscribeMessage('typing')
  typing(ws: WebSocket, frame: TypedFrame): void {
    const { is_typing } = chatFrame.typing(frame);
    const connection = this.connectionOf(ws);
    this.hub.typing(connection, connection.caller.id, is_typing);
  }

  @SubscribeMessage('read')
  async read(ws: WebSocket, frame: TypedFrame): Promise<void> {
    const { seq } = chatFrame.read(frame);
    const connection = this.connectionOf(ws);
    await this.markRead.execute({
      caller: connection.caller,
      conversationId: connection.conversationId,
      seq,
    });
  }

  @SubscribeMessage('ping')
  ping(_ws: WebSocket, frame: TypedFrame): object {
    chatFrame.ping(frame);
    return { type: 'pong' };
  }

  /** The upgrade's check: `after_seq`, then the token, then the caller's access. */
  private async admit({ params, query, request }: WsUpgrade): Promise<ChatAdmission> {
    const rawAfter = query.get('after_seq');
    if (rawAfter !== null && (!AFTER_SEQ.test(rawAfter) || Number(rawAfter) > MAX_SEQ)) {
      throw new ValidationError(`after_seq must be an integer from 0 to ${MAX_SEQ}`);
    }
    let token: AuthenticatedUser;
    try {
      token = await this.handshake.authenticate(request);
    } catch (error) {
      if (!(error instanceof RevocationFeedUnavailableError)) throw error;
      throw new UpgradeRefusal({
        status: 503,
        body: { detail: error.message, code: 'unavailable' },
        headers: { 'Retry-After': String(error.retryAfterSeconds) },
      });
    }
    const caller: Caller = { id: token.id.toLowerCase() as UserId, role: token.role };
    const conversation = await this.joinChat.execute({
      caller,
      conversationId: params.conversation_id!,
    });
    return {
      conversation,
      caller,
      token,
      afterSeq: rawAfter === null ? undefined : Number(rawAfter),
    };
  }

  private connectionOf(ws: WebSocket): ChatConnection {
    const connection = this.connections.get(ws);
    // The adapter hands frames only of sockets it announced: a missing one is a bug here.
    if (connection === undefined) throw new Error('a frame of a socket the gateway never saw');
    return connection;
  }

  /** Closes the connections opened with a token the entry takes rights from. */
  private closeRevoked(entry: RevocationEntry): void {
    for (const connection of this.connections.values()) {
      if (revocationAffects(entry, connection.token)) {
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
}

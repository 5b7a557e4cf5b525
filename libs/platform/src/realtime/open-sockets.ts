import { Counter, Gauge, type Registry } from 'prom-client';
import type { WebSocket } from 'ws';

/** What a gateway keeps of one accepted socket (a chat connection, a notifications socket). */
export interface OpenSocket {
  /** Begins to serve it (joins its fan-out, sends what the client missed); runs once. */
  start(): Promise<void>;
  /** The socket closed: lets go of what it holds (its fan-out). */
  stop(): void;
  close(code: number, reason: string): void;
}

/** A close that ends a socket before it is served. */
export interface SocketClose {
  code: number;
  reason: string;
}

export interface OpenSocketsOptions<C> {
  /**
   * The metrics' name (`chat`: `ajla_chat_connections`, `ajla_chat_handshakes_refused_total`,
   * `ajla_chat_disconnections_total`) and what their help calls the sockets (`chat`).
   */
  metrics: { name: string; noun: string; registry?: Registry };
  logger: { error(message: string): void };
  /** Names a connection in the log line of a failed start (`chat <conversation id>`). */
  describe(connection: C): string;
}

/** The close code of a socket that could not start (1011: the server met an unexpected condition). */
export const INTERNAL_ERROR_CLOSE_CODE = 1011;

/**
 * The open sockets of one `@WebSocketGateway` on `WsGatewayAdapter`, each with what the gateway
 * keeps of it: from `handleConnection` (`open`) to `handleDisconnect` (`closed`), with the
 * gateway's metrics (open sockets, refused handshakes by status, closes by code). A start that
 * fails closes the socket with 1011: better a resume elsewhere than a socket that silently misses
 * what it is there for.
 */
export class OpenSockets<C extends OpenSocket> implements Iterable<C> {
  private readonly connections = new Map<WebSocket, C>();
  private readonly refusedTotal?: Counter<'status'>;
  private readonly closedTotal?: Counter<'code'>;

  constructor(private readonly options: OpenSocketsOptions<C>) {
    const { name, noun, registry } = options.metrics;
    if (registry === undefined) return;
    const connections = this.connections;
    const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
    new Gauge({
      name: `ajla_${name}_connections`,
      help: `Open ${noun} WebSockets on this replica`,
      registers: [registry],
      collect() {
        this.set(connections.size);
      },
    });
    this.refusedTotal = new Counter({
      name: `ajla_${name}_handshakes_refused_total`,
      help: `${Noun} WebSocket handshakes refused, by HTTP status`,
      labelNames: ['status'],
      registers: [registry],
    });
    this.closedTotal = new Counter({
      name: `ajla_${name}_disconnections_total`,
      help: `${Noun} WebSockets closed, by close code (1008 flooding, 1009 oversized, ...)`,
      labelNames: ['code'],
      registers: [registry],
    });
  }

  /** `WsGatewaySettings.onRefused`: counts a refused handshake. */
  readonly refused = (status: number): void => {
    this.refusedTotal?.inc({ status: String(status) });
  };

  /** A socket just accepted (`handleConnection`): kept, then started, unless it must close at once. */
  open(ws: WebSocket, connection: C): void {
    this.connections.set(ws, connection);
    const close = this.closeAtOnce(connection);
    if (close !== undefined) {
      connection.close(close.code, close.reason);
      return;
    }
    connection.start().catch((error: unknown) => {
      this.options.logger.error(
        `${this.options.describe(connection)} could not start: ${String(error)}`,
      );
      connection.close(INTERNAL_ERROR_CLOSE_CODE, 'internal error');
    });
  }

  /** A socket closed (`handleDisconnect`, whose "reason" the ws adapter fills with the close code). */
  closed(ws: WebSocket, code?: number | string): void {
    this.connections.get(ws)?.stop();
    this.connections.delete(ws);
    this.closedTotal?.inc({ code: String(code) });
  }

  /** The connection of a socket that sent a frame. */
  of(ws: WebSocket): C {
    const connection = this.connections.get(ws);
    // The adapter hands frames only of sockets it announced: a missing one is a bug.
    if (connection === undefined) throw new Error('a frame of a socket the gateway never saw');
    return connection;
  }

  get size(): number {
    return this.connections.size;
  }

  [Symbol.iterator](): Iterator<C> {
    return this.connections.values();
  }

  /**
   * Why a socket just kept must close before it starts, if it must (none here; `SessionSockets` of
   * `@ajla/auth`: revoked while its handshake was being checked).
   */
  protected closeAtOnce(_connection: C): SocketClose | undefined {
    return undefined;
  }
}

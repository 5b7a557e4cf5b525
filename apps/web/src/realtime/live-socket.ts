/** Where a live connection stands; the screens show it. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LiveSocketOptions {
  /** The socket's URL for the next attempt (ws: or wss:), with whatever it resumes from. */
  readonly url: () => string;
  /**
   * The access token for the next attempt, sent as the subprotocol pair `bearer, <token>` (never
   * in the URL). `fresh` asks for a new one: the server closed with 1008 (session revoked, access
   * changed), or handshakes keep failing (a browser cannot see why one was refused: an expired or
   * revoked token looks like a network error). Undefined: the session is over, the socket stops.
   */
  readonly token: (fresh: boolean) => Promise<string | undefined>;
  readonly onFrame: (frame: unknown) => void;
  readonly onState?: (state: ConnectionState) => void;
  /** Called on each open: a resumed connection catches up through its URL. */
  readonly onOpen?: () => void;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /**
   * How a link that went silent is found out (a dropped Wi-Fi, a NAT that forgot the connection:
   * no close ever comes, and the browser would say "connected" for minutes): after `idleMs`
   * without a frame, `{"type": "ping"}` is sent, and if nothing at all comes back within
   * `timeoutMs` the socket is given up and another opened; a handshake that has not completed in
   * `openTimeoutMs` is given up too. `{"type": "pong"}` frames are not handed to `onFrame`.
   */
  readonly heartbeat?: {
    readonly idleMs: number;
    readonly timeoutMs: number;
    readonly openTimeoutMs: number;
  };
  readonly createSocket?: (url: string, protocols: string[]) => WebSocket;
  readonly random?: () => number;
}

/** 1008: the session was revoked or its access changed; only a new token may come back. */
const POLICY_VIOLATION = 1008;
/** Handshakes failed in a row before the next attempt asks for a fresh token. */
const FAILURES_BEFORE_FRESH_TOKEN = 2;
const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000 };
const DEFAULT_HEARTBEAT = { idleMs: 15_000, timeoutMs: 10_000, openTimeoutMs: 20_000 };
/** The close code of a socket given up by this side (silent, or a handshake that hung). */
const GIVEN_UP = 4000;

/**
 * A WebSocket that stays connected: on any drop it reconnects after an exponential back-off with
 * full jitter (so a restarted server is not hit by every client at once), at once when the
 * browser comes back online, and stops only when told to or when the session is over (no token).
 * A socket that goes silent is pinged, and given up if it stays silent (see `heartbeat`); when the
 * browser says it went offline, the socket is pinged at once. Frames are JSON.
 */
export class LiveSocket {
  private socket: WebSocket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The heartbeat's one timer: the next ping, or the deadline of the last one (or of the open). */
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private failedOpens = 0;
  private freshToken = false;
  private stopped = true;
  /** An attempt is fetching its token (no socket yet). */
  private connecting = false;
  private current: ConnectionState = 'closed';

  constructor(private readonly options: LiveSocketOptions) {}

  get state(): ConnectionState {
    return this.current;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.reconnectNow);
    window.addEventListener('offline', this.probeNow);
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.reconnectNow);
    window.removeEventListener('offline', this.probeNow);
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000);
    this.setState('closed');
  }

  /** Sends a frame if the socket is open; false otherwise (the caller keeps it for later). */
  send(frame: unknown): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Only while waiting out a back-off: an attempt under way (its token being fetched, its
   * handshake running) or an open socket is left alone, or two sockets would live at once.
   */
  private readonly reconnectNow = () => {
    if (this.stopped || this.connecting || this.socket) return;
    clearTimeout(this.timer);
    void this.connect();
  };

  /** The browser says it went offline (it may be wrong, or leave the socket open): ask now. */
  private readonly probeNow = () => {
    if (this.socket?.readyState === WebSocket.OPEN) this.ping(this.socket);
  };

  private get heartbeat() {
    return this.options.heartbeat ?? DEFAULT_HEARTBEAT;
  }

  /** Heard from the server: the link is alive; ping again after a quiet `idleMs`. */
  private alive(socket: WebSocket): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.ping(socket), this.heartbeat.idleMs);
  }

  private ping(socket: WebSocket): void {
    if (this.socket !== socket) return;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.giveUp(socket), this.heartbeat.timeoutMs);
    try {
      socket.send(JSON.stringify({ type: 'ping' }));
    } catch {
      // Closing already: its close event (or the deadline) takes over.
    }
  }

  /**
   * Abandons a socket that is silent or never opened: its close event may not come for a minute
   * (a closing handshake over a dead link waits for an answer), so the next one is scheduled now.
   */
  private giveUp(socket: WebSocket): void {
    if (this.socket !== socket || this.stopped) return;
    this.socket = undefined;
    clearTimeout(this.watchdog);
    if (socket.readyState !== WebSocket.OPEN) this.failedOpens += 1;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    try {
      socket.close(GIVEN_UP);
    } catch {
      // Already closed.
    }
    this.scheduleReconnect();
  }

  private async connect(): Promise<void> {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    this.connecting = true;
    let token: string | undefined;
    try {
      // Once per streak of failures: a conversation that is gone fails with any token.
      token = await this.options.token(
        this.freshToken || this.failedOpens === FAILURES_BEFORE_FRESH_TOKEN,
      );
    } catch {
      // No answer about the token: a failed attempt like any other, tried again later.
      this.connecting = false;
      if (this.stopped) return;
      this.failedOpens += 1;
      return this.scheduleReconnect();
    }
    this.connecting = false;
    this.freshToken = false;
    if (this.stopped) return;
    if (!token) return this.stop();
    const create = this.options.createSocket ?? ((url, protocols) => new WebSocket(url, protocols));
    let opened = false;
    const socket = create(this.options.url(), ['bearer', token]);
    this.socket = socket;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.giveUp(socket), this.heartbeat.openTimeoutMs);
    socket.onopen = () => {
      if (this.socket !== socket) return socket.close(1000); // one given up meanwhile
      opened = true;
      this.attempt = 0;
      this.failedOpens = 0;
      this.alive(socket);
      this.setState('open');
      this.options.onOpen?.();
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket) return;
      this.alive(socket);
      if (typeof event.data !== 'string') return;
      let frame: unknown;
      try {
        frame = JSON.parse(event.data) as unknown;
      } catch {
        return; // Not JSON: nothing the server sends; ignored.
      }
      if ((frame as { type?: unknown } | null)?.type === 'pong') return;
      this.options.onFrame(frame);
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = undefined;
      clearTimeout(this.watchdog);
      if (event.code === POLICY_VIOLATION) this.freshToken = true;
      if (!opened) this.failedOpens += 1;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    const { initialMs, maxMs } = this.options.backoff ?? DEFAULT_BACKOFF;
    const ceiling = Math.min(maxMs, initialMs * 2 ** this.attempt);
    const delay = Math.round((this.options.random ?? Math.random)() * ceiling);
    this.attempt += 1;
    this.setState('reconnecting');
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onState?.(state);
  }
}

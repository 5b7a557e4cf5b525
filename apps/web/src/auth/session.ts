import type { SessionTokens, TokenStore } from './token-store';

/** What POST /api/v1/auth/login and /refresh answer. */
export interface TokensAnswer {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly expires_in: number;
}

/** Refresh this long before the access token expires, so a request never leaves with a stale one. */
const EARLY_REFRESH_MS = 30_000;
const LOCK_NAME = 'ajla.session.refresh';

export function tokensFrom(answer: TokensAnswer, now = Date.now()): SessionTokens {
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    expiresAt: now + answer.expires_in * 1000,
  };
}

/**
 * Keeps the session's access token fresh. A refresh token is spent by its use, and presenting a
 * spent one ends the whole session (API: refresh token reuse), so refreshes are serialised: one at
 * a time in this tab (a shared promise) and across tabs (the Web Locks API, where available); a
 * caller whose token another refresh already replaced takes the new one instead of refreshing.
 */
export class Session {
  private inFlight: Promise<string | undefined> | undefined;

  constructor(
    private readonly store: TokenStore,
    private readonly fetchFn: typeof fetch,
    private readonly baseUrl: string,
  ) {}

  /**
   * An access token to send now, refreshed first when it is about to expire (if that refresh
   * cannot reach the server, the current one: the answer will say). Undefined: signed out.
   */
  async accessToken(): Promise<string | undefined> {
    const tokens = this.store.get();
    if (!tokens) return undefined;
    if (tokens.expiresAt - Date.now() > EARLY_REFRESH_MS) return tokens.accessToken;
    return (await this.refresh(tokens.accessToken)) ?? this.store.get()?.accessToken;
  }

  /**
   * The token of a WebSocket handshake; `fresh` when the last one seems refused (the browser
   * cannot tell): then refreshed, unless the server cannot be reached. Undefined: signed out.
   */
  async socketToken(fresh: boolean): Promise<string | undefined> {
    const tokens = this.store.get();
    if (!tokens) return undefined;
    if (!fresh) return this.accessToken();
    return (await this.refresh(tokens.accessToken)) ?? this.store.get()?.accessToken;
  }

  /**
   * A new access token in place of `stale` (one the server refused or that is about to expire);
   * undefined when the session is over (then the store is cleared: signed out).
   */
  refresh(stale: string): Promise<string | undefined> {
    this.inFlight ??= this.withLock(() => this.refreshUnlocked(stale)).finally(
      () => (this.inFlight = undefined),
    );
    return this.inFlight;
  }

  private async refreshUnlocked(stale: string): Promise<string | undefined> {
    const tokens = this.store.get();
    if (!tokens) return undefined;
    if (tokens.accessToken !== stale && tokens.expiresAt - Date.now() > EARLY_REFRESH_MS) {
      return tokens.accessToken; // another tab (or call) refreshed meanwhile
    }
    let response: Response;
    try {
      response = await this.fetchFn(`${this.baseUrl}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: tokens.refreshToken }),
      });
    } catch {
      return undefined; // offline: keep the session, the caller sees its request fail
    }
    if (response.status === 200) {
      const next = tokensFrom((await response.json()) as TokensAnswer);
      this.store.set(next);
      return next.accessToken;
    }
    if (response.status === 401 || response.status === 400) this.store.clear();
    return undefined;
  }

  private withLock<T>(work: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    return locks ? locks.request(LOCK_NAME, work) : work();
  }
}

/** The signed-in session's tokens, kept in localStorage so that a reload or a new tab stays signed in. */
export interface SessionTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Epoch milliseconds when the access token expires. */
  readonly expiresAt: number;
}

type Listener = (tokens: SessionTokens | undefined) => void;

const KEY = 'ajla.session';

export class TokenStore {
  private readonly listeners = new Set<Listener>();
  private cached: SessionTokens | undefined;
  private cachedRaw: string | null = null;

  constructor(private readonly storage: Storage = window.localStorage) {
    // Another tab signed in, refreshed or signed out.
    window.addEventListener('storage', (event) => {
      if (event.key === KEY || event.key === null) this.emit();
    });
  }

  get(): SessionTokens | undefined {
    const raw = this.storage.getItem(KEY);
    if (raw === this.cachedRaw) return this.cached;
    this.cachedRaw = raw;
    this.cached = parse(raw);
    return this.cached;
  }

  set(tokens: SessionTokens): void {
    this.storage.setItem(KEY, JSON.stringify(tokens));
    this.emit();
  }

  clear(): void {
    this.storage.removeItem(KEY);
    this.emit();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    const tokens = this.get();
    for (const listener of this.listeners) listener(tokens);
  }
}

function parse(raw: string | null): SessionTokens | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<SessionTokens>;
    if (
      typeof value.accessToken === 'string' &&
      typeof value.refreshToken === 'string' &&
      typeof value.expiresAt === 'number'
    ) {
      return value as SessionTokens;
    }
  } catch {
    // A corrupt entry is a signed-out session.
  }
  return undefined;
}

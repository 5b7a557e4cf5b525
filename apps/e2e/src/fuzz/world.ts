import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT, importPKCS8, type CryptoKey, type KeyObject } from 'jose';
import { api, login, newClient, newStaff, type Account } from '../support/api';
import { assign, setStatus, submitRequest } from '../support/requests';

/** Which kind of id a path or body field takes, so cases draw real ones of that kind. */
export type IdPool = 'request' | 'conversation' | 'notification' | 'user' | 'staff' | 'none';

/** Callers with a real session, and ones whose token the platform must refuse. */
export const SESSION_CALLERS = ['client', 'other_client', 'agent', 'admin'] as const;
export const BAD_CALLERS = [
  'none',
  'forged',
  'expired',
  'wrong_typ',
  'wrong_token_use',
  'wrong_audience',
  'alg_none',
  'refresh_as_access',
  'garbage',
  'bad_scheme',
  'huge_token',
] as const;
export type SessionCaller = (typeof SESSION_CALLERS)[number];
export type CallerKind = SessionCaller | (typeof BAD_CALLERS)[number];

/**
 * What the fuzz cases act on: four accounts with sessions (a client, another client, an agent, an
 * admin), their requests, conversations and notifications, victims (accounts the cases may log into, patch and
 * register over; never a caller, so a demoted victim costs no coverage), spare refresh tokens, and
 * tokens the platform must refuse.
 */
export class World {
  private refreshCursor = 0;

  private constructor(
    readonly accounts: Record<SessionCaller, Account>,
    readonly victims: Account[],
    private readonly requests: Record<'client' | 'other_client', string[]>,
    private readonly conversations: Record<'client' | 'other_client', string[]>,
    private readonly notifications: Record<'client' | 'other_client', string[]>,
    private readonly spareRefreshTokens: string[],
    private readonly badTokens: Record<string, string>,
  ) {}

  static async create(keysDir: string): Promise<World> {
    const [client, otherClient, agent, admin] = await Promise.all([
      newClient('Fuzz Client'),
      newClient('Fuzz Other'),
      newStaff('agent'),
      newStaff('admin'),
    ]);
    const victims = await Promise.all([
      newClient('Victim'),
      newClient('Victim 2'),
      newStaff('agent'),
    ]);
    const requests = { client: [] as string[], other_client: [] as string[] };
    const conversations = { client: [] as string[], other_client: [] as string[] };
    for (const [owner, account, count] of [
      ['client', client, 5],
      ['other_client', otherClient, 3],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const request = await submitRequest(account, {
          type: 'travel',
          description: `fuzz fixture ${i}`,
        });
        requests[owner].push(request.id);
        conversations[owner].push(request.conversation_id);
      }
    }
    // Some requests further along their lifecycle, so transitions from each state get tried.
    await assign(agent, requests.client[1]!);
    await assign(agent, requests.client[2]!);
    await setStatus(agent, requests.client[2]!, 'in_progress');
    await assign(admin, requests.other_client[1]!);
    // A staff reply in each client's first conversation: a notification each (besides the
    // status change above), so that cases read and mark real ones, their own and another's.
    const notifications = { client: [] as string[], other_client: [] as string[] };
    for (const [owner, account] of [
      ['client', client],
      ['other_client', otherClient],
    ] as const) {
      await api('POST', '/api/v1/messages', {
        token: agent.tokens.access_token,
        body: { conversation_id: conversations[owner][0], content: 'fuzz fixture reply' },
      });
      notifications[owner] = await notificationIds(account);
    }
    // Spare sessions of a victim for refresh and logout cases (each may be spent once).
    const spare: string[] = [];
    for (let i = 0; i < 8; i++)
      spare.push((await login(victims[0]!.email, victims[0]!.password)).refresh_token);

    const badTokens = await forgeTokens(keysDir, client, spare[spare.length - 1]!);
    return new World(
      { client, other_client: otherClient, agent, admin },
      victims,
      requests,
      conversations,
      notifications,
      spare,
      badTokens,
    );
  }

  /** The `Authorization` header of a caller (undefined: none). */
  authorization(caller: CallerKind): string | undefined {
    switch (caller) {
      case 'none':
        return undefined;
      case 'bad_scheme':
        return `Basic ${Buffer.from(`${this.accounts.client.email}:x`).toString('base64')}`;
      case 'huge_token':
        return `Bearer ${'a'.repeat(12_000)}`;
      case 'garbage':
        return 'Bearer not.a.jwt';
      default:
        if ((SESSION_CALLERS as readonly string[]).includes(caller)) {
          return `Bearer ${this.accounts[caller as SessionCaller].tokens.access_token}`;
        }
        return `Bearer ${this.badTokens[caller]}`;
    }
  }

  /** A bare access token for a WebSocket handshake (undefined: none). */
  token(caller: CallerKind): string | undefined {
    const header = this.authorization(caller);
    return header?.replace(/^(Bearer|Basic) /, '');
  }

  userId(caller: CallerKind): string | undefined {
    return (SESSION_CALLERS as readonly string[]).includes(caller)
      ? this.accounts[caller as SessionCaller].id
      : undefined;
  }

  /**
   * Ids of a kind: "mine" are the caller's own (a client's requests and conversations; for staff
   * and others, the first client's), "theirs" another client's. Users are victims only.
   */
  idsOf(pool: IdPool, which: 'mine' | 'theirs', caller: string): string[] {
    const owner = caller === 'other_client' ? 'other_client' : 'client';
    const other = owner === 'client' ? 'other_client' : 'client';
    const side = which === 'mine' ? owner : other;
    switch (pool) {
      case 'request':
        return this.requests[side];
      case 'conversation':
        return this.conversations[side];
      case 'notification':
        return this.notifications[side];
      case 'user':
        return this.victims.map((v) => v.id);
      case 'staff':
        return which === 'mine'
          ? [this.accounts.agent.id, this.accounts.admin.id, this.victims[2]!.id]
          : [this.accounts.client.id, this.victims[0]!.id];
      default:
        return [];
    }
  }

  /** A UUID that names nothing, derived from n (the case's choice, so replays match). */
  randomId(n: number): string {
    const hex = createHash('sha256').update(`fuzz-${n}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** A real refresh token, each handed out once (later ones are spent, then reused: all refused). */
  refreshToken(): string {
    const token = this.spareRefreshTokens[this.refreshCursor % this.spareRefreshTokens.length]!;
    this.refreshCursor++;
    return token;
  }

  /** Conversations a session caller may join, and ones it may not. */
  conversationsFor(caller: SessionCaller): { allowed: string[]; forbidden: string[] } {
    if (caller === 'client')
      return { allowed: this.conversations.client, forbidden: this.conversations.other_client };
    if (caller === 'other_client')
      return { allowed: this.conversations.other_client, forbidden: this.conversations.client };
    return {
      allowed: [...this.conversations.client, ...this.conversations.other_client],
      forbidden: [],
    };
  }
}

/**
 * Tokens that must all be refused: signed with the platform's own key but expired, of the wrong
 * `typ`, `token_use` or audience; signed with another key; unsigned; a refresh token.
 */
async function forgeTokens(
  keysDir: string,
  subject: Account,
  refreshToken: string,
): Promise<Record<string, string>> {
  const key = await importPKCS8(
    readFileSync(path.join(keysDir, 'jwt-private.pem'), 'utf8'),
    'ES256',
  );
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const now = Math.floor(Date.now() / 1000);
  const sign = (
    signer: CryptoKey | KeyObject,
    opts: { typ?: string; use?: string; aud?: string; iat?: number; exp?: number } = {},
  ) =>
    new SignJWT({ role: 'admin', tier: 100000, token_use: opts.use ?? 'access' })
      .setProtectedHeader({ alg: 'ES256', typ: opts.typ ?? 'at+jwt' })
      .setIssuer('ajla-user-service')
      .setAudience(opts.aud ?? 'ajla')
      .setSubject(subject.id)
      .setIssuedAt(opts.iat ?? now)
      .setExpirationTime(opts.exp ?? now + 900)
      .sign(signer);
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return {
    forged: await sign(stranger),
    expired: await sign(key, { iat: now - 7200, exp: now - 3600 }),
    wrong_typ: await sign(key, { typ: 'JWT' }),
    wrong_token_use: await sign(key, { use: 'refresh' }),
    wrong_audience: await sign(key, { aud: 'someone-else' }),
    alg_none: `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ sub: subject.id, role: 'admin', tier: 100000, token_use: 'access', iss: 'ajla-user-service', aud: 'ajla', iat: now, exp: now + 900 })}.`,
    refresh_as_access: refreshToken,
  };
}

/** The ids of an account's notifications, once the staff reply's has arrived (it is consumed asynchronously). */
async function notificationIds(account: Account): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await api('GET', '/api/v1/notifications?page_size=100', {
      token: account.tokens.access_token,
    });
    const items: { id: string; type: string }[] = res.status === 200 ? res.body.items : [];
    if (items.some((n) => n.type === 'message.created')) return items.map((n) => n.id);
    if (Date.now() > deadline) throw new Error(`no notification for ${account.email} in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { SignJWT, importPKCS8 } from 'jose';

/** What the HTTP and socket benchmarks call a target: a base URL and who to call it as. */
export interface Callers {
  /** A client (`user`): owns the seeded requests and the conversation. */
  client: string;
  /** An agent: staff, sees the queue and any conversation. */
  agent: string;
}

export interface Seeded {
  /** One of the client's requests. */
  requestId: string;
  /** The conversation of that request, holding the opening message and the seeded messages. */
  conversationId: string;
}

export interface ApiBaselineProcess {
  child: ChildProcess;
  url: string;
  database: string;
  callers: Callers;
}

/**
 * Starts bench/baseline/api-server.js (compiled beside this file's folder) with a fresh ES256 key
 * pair, and signs a client's and an agent's access token with jose, with the header and claims
 * user-service gives its tokens (so the server checks exactly what the services check).
 */
export async function startApiBaselineProcess(
  repoRoot: string,
  extraArgs: string[] = [],
): Promise<ApiBaselineProcess> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const signingKey = await importPKCS8(
    privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    'ES256',
  );
  const sign = (role: string) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ role, tier: 0, sid: randomUUID(), token_use: 'access' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'bench' })
      .setIssuer('ajla-user-service')
      .setAudience('ajla')
      .setSubject(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .setJti(randomUUID())
      .sign(signingKey);
  };
  const child = spawn(
    process.execPath,
    [path.join(__dirname, '../baseline/api-server.js'), ...extraArgs],
    {
      cwd: repoRoot,
      env: { ...process.env, BENCH_JWT_PUBLIC_KEY: publicPem },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = readline.createInterface({ input: child.stdout! });
  const ready = await new Promise<{ port: number; database: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the API baseline exited (${code})`)));
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line) as { port: number; database: string });
      } catch {
        reject(new Error(`the API baseline said: ${line}`));
      }
    });
  });
  return {
    child,
    url: `http://127.0.0.1:${ready.port}`,
    database: ready.database,
    callers: { client: await sign('user'), agent: await sign('agent') },
  };
}

/**
 * Through the platform's gateway, as a client would: the bootstrap admin creates an agent, a
 * client registers; both log in.
 */
export async function platformCallers(
  gatewayUrl: string,
  admin: { email: string; password: string },
): Promise<Callers> {
  const base = `${gatewayUrl}/api/v1`;
  const run = randomUUID().slice(0, 8);
  const password = `bench-${run}-password`;
  const login = async (email: string, pw: string) =>
    (
      (await call('POST', `${base}/auth/login`, { email, password: pw })) as {
        access_token: string;
      }
    ).access_token;
  const adminToken = await login(admin.email, admin.password);
  const agentEmail = `bench.agent.${run}@ajla.test`;
  await call(
    'POST',
    `${base}/admin/users`,
    { email: agentEmail, password, full_name: 'Bench Agent', role: 'agent' },
    adminToken,
  );
  const clientEmail = `bench.client.${run}@ajla.test`;
  await call('POST', `${base}/auth/register`, {
    email: clientEmail,
    password,
    full_name: 'Bench Client',
  });
  return { client: await login(clientEmail, password), agent: await login(agentEmail, password) };
}

/** The request body every submission sends (seeding and the measured POST alike). */
export const SUBMISSION = {
  type: 'dining',
  description: 'A table for two at eight tonight, by the window if possible. Thank you!',
};

/** `requests` submissions by the client, then `messages` chat messages in the first one's conversation. */
export async function seed(
  url: string,
  callers: Callers,
  counts: { requests: number; messages: number },
): Promise<Seeded> {
  const base = `${url}/api/v1`;
  let first: { id: string; conversation_id: string } | undefined;
  for (let i = 0; i < counts.requests; i++) {
    const request = (await call('POST', `${base}/requests`, SUBMISSION, callers.client)) as {
      id: string;
      conversation_id: string;
    };
    first ??= request;
  }
  if (!first) throw new Error('seed: at least one request');
  for (let i = 0; i < counts.messages; i++) {
    await call(
      'POST',
      `${base}/messages`,
      {
        conversation_id: first.conversation_id,
        content: `Seed message ${i}: could you also book a taxi for eleven?`,
      },
      i % 2 ? callers.agent : callers.client,
    );
  }
  return { requestId: first.id, conversationId: first.conversation_id };
}

export async function call(
  method: string,
  url: string,
  body: unknown,
  token?: string,
): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${new URL(url).pathname}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export interface BareProxyProcess {
  child: ChildProcess;
  url: string;
}

/** The bare proxy (baseline/bare-proxy.ts) in front of `routes`: `[pathPrefix, serviceUrl]`, first match wins. */
export async function startBareProxy(
  repoRoot: string,
  routes: [string, string][],
): Promise<BareProxyProcess> {
  const child = spawn(
    process.execPath,
    [path.join(__dirname, '../baseline/bare-proxy.js'), JSON.stringify(routes)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = readline.createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bare proxy exited (${code})`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

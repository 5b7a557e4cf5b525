import { randomUUID } from 'node:crypto';
import { recordSecret, recordTokens } from './secrets';
import { e2eState } from './state';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as-is (for malformed JSON and other raw bodies). */
  rawBody?: string;
  token?: string;
  headers?: Record<string, string>;
  /** Another gateway than the platform's (`http://127.0.0.1:<port>`). */
  baseUrl?: string;
}

/** One HTTP call through the gateway, the way a client written from API.md makes it. */
export async function api<T = any>(
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${options.baseUrl ?? e2eState().gatewayUrl}${path}`, {
    method,
    headers,
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text.length > 0) {
    parsed = JSON.parse(text);
  }
  if (res.ok) {
    // The log audit looks for every password of a test user and every token the platform issued.
    recordTokens(parsed);
    const sent = options.body as { password?: unknown } | undefined;
    if (typeof sent === 'object' && sent !== null) recordSecret('password', sent.password);
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export function uniqueEmail(tag = 'client'): string {
  return `${tag}.${randomUUID().slice(0, 8)}@ajla.test`;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export interface Account {
  id: string;
  email: string;
  password: string;
  tokens: Tokens;
}

/** Registers a fresh client and logs it in. */
export async function newClient(fullName = 'Test Client'): Promise<Account> {
  const email = uniqueEmail();
  const password = 'correct horse battery';
  const reg = await api('POST', '/api/v1/auth/register', {
    body: { email, password, full_name: fullName },
  });
  if (reg.status !== 201)
    throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const tokens = await login(email, password);
  return { id: reg.body.id, email, password, tokens };
}

export async function login(email: string, password: string): Promise<Tokens> {
  const res = await api<Tokens>('POST', '/api/v1/auth/login', { body: { email, password } });
  if (res.status !== 200)
    throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function adminTokens(): Promise<Tokens> {
  const { email, password } = e2eState().admin;
  return login(email, password);
}

/** Creates a staff member through the admin API and logs it in. */
export async function newStaff(role: 'agent' | 'admin'): Promise<Account> {
  const admin = await adminTokens();
  const email = uniqueEmail(role);
  const password = 'staff password 123';
  const res = await api('POST', '/api/v1/admin/users', {
    token: admin.access_token,
    body: { email, password, full_name: `Staff ${role}`, role },
  });
  if (res.status !== 201)
    throw new Error(`create staff failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, email, password, tokens: await login(email, password) };
}

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every error answer of API.md: JSON with a human-readable string detail, nothing else leaking. */
export function expectErrorBody(res: ApiResponse): void {
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  expect(typeof res.body.detail).toBe('string');
  expect(res.body.detail.length).toBeGreaterThan(0);
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/);
}

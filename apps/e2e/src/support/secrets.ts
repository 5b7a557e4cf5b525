import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './state';

/**
 * Every secret the e2e helpers create or receive (passwords, access and refresh tokens, webhook
 * signing secrets), one JSON
 * line each, so that the log audit, which runs last, can look for them in every service's log.
 * global-setup starts the file afresh; the test files append to it (they share no memory).
 */
export const SECRETS_FILE = path.join(REPO_ROOT, 'tmp/e2e-secrets.jsonl');

export type SecretKind =
  | 'password'
  | 'access_token'
  | 'refresh_token'
  | 'password_hash'
  | 'refresh_token_hash'
  | 'webhook_secret'
  | 'webhook_secrets_key';

export interface RecordedSecret {
  kind: SecretKind;
  value: string;
}

/** Shorter values are too likely to occur in a log line by chance to be worth looking for. */
const MIN_LENGTH = 8;

export function startSecretsFile(): void {
  writeFileSync(SECRETS_FILE, '');
}

export function recordSecret(kind: SecretKind, value: unknown): void {
  if (typeof value !== 'string' || value.length < MIN_LENGTH) return;
  appendFileSync(SECRETS_FILE, `${JSON.stringify({ kind, value })}\n`);
}

/**
 * Records the secrets an answer carries: the tokens of a login or refresh, the signing secret of a
 * webhook just created or rotated (any body with them).
 */
export function recordTokens(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const tokens = body as { access_token?: unknown; refresh_token?: unknown; secret?: unknown };
  recordSecret('access_token', tokens.access_token);
  recordSecret('refresh_token', tokens.refresh_token);
  recordSecret('webhook_secret', tokens.secret);
}

export function readSecrets(): RecordedSecret[] {
  if (!existsSync(SECRETS_FILE)) return [];
  const unique = new Map<string, RecordedSecret>();
  for (const line of readFileSync(SECRETS_FILE, 'utf8').split('\n')) {
    if (line.length === 0) continue;
    const secret = JSON.parse(line) as RecordedSecret;
    unique.set(secret.value, secret);
  }
  return [...unique.values()];
}

/** How a secret is named in a report: its kind, length and first characters only. */
export function redacted(secret: RecordedSecret): string {
  return `${secret.kind} "${secret.value.slice(0, 4)}…" (${secret.value.length} chars)`;
}

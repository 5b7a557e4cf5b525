import type { PendingMessage } from './conversation-model';

/**
 * Messages typed while offline survive a reload: they are kept in localStorage per conversation
 * until the server stored them (their client_id makes sending them again harmless).
 */
const key = (conversationId: string) => `ajla.outbox.${conversationId}`;

export function loadOutbox(conversationId: string): PendingMessage[] {
  try {
    const value = JSON.parse(localStorage.getItem(key(conversationId)) ?? '[]') as unknown;
    return Array.isArray(value)
      ? value.filter(
          (p): p is PendingMessage =>
            typeof p?.client_id === 'string' &&
            typeof p?.content === 'string' &&
            typeof p?.created_at === 'string' &&
            (p.refused === undefined ||
              (typeof p.refused?.code === 'string' && typeof p.refused?.detail === 'string')),
        )
      : [];
  } catch {
    return [];
  }
}

export function saveOutbox(conversationId: string, pending: readonly PendingMessage[]): void {
  try {
    if (pending.length === 0) localStorage.removeItem(key(conversationId));
    else localStorage.setItem(key(conversationId), JSON.stringify(pending));
  } catch {
    // Storage full or refused: the outbox still lives in memory.
  }
}

/** A v4 UUID, also where crypto.randomUUID is missing (a page not served over HTTPS). */
export function newClientId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

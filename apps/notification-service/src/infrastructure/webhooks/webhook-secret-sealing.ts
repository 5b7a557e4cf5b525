import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NOTIFICATIONS_SCHEMA } from '../persistence/entities';
import { isSealed, WebhookSecretVault } from './webhook-secret-vault';

const s = NOTIFICATIONS_SCHEMA;
/** Rows per transaction: short ones, that never hold many locks. */
const BATCH = 200;

export interface ResealCounts {
  /** Current secrets (`webhook_subscriptions.secret`) written again. */
  current: number;
  /** Replaced secrets still in their overlap (`webhook_previous_secrets.secret`) written again. */
  previous: number;
}

/**
 * Seals again, with the vault's current key, every stored secret that needs it: with `which`
 * `'plain'` only the plain-text ones (written before encryption), with `'not-current'` also those
 * sealed with an older key (a key rotation). Each row is rewritten only if it still holds what
 * was read (a rotation or another replica meanwhile wins), so it is safe to run anywhere, any
 * number of times; a value that cannot be opened (unknown key, tampered) is left as it is and
 * counted in `unreadable`. No secret leaves this function.
 */
export async function resealWebhookSecrets(
  dataSource: DataSource,
  vault: WebhookSecretVault,
  which: 'plain' | 'not-current',
): Promise<ResealCounts & { unreadable: number }> {
  const needs = (stored: string) =>
    which === 'plain' ? !isSealed(stored) : !vault.isCurrent(stored);
  const counts = { current: 0, previous: 0, unreadable: 0 };
  const tables = [
    { table: 'webhook_subscriptions', idColumn: 'id', key: 'current' },
    { table: 'webhook_previous_secrets', idColumn: 'subscription_id', key: 'previous' },
  ] as const;
  for (const { table, idColumn, key } of tables) {
    // Read page after page (ordered by the webhook id and the value) without holding a lock.
    let after: { id: string; secret: string } | undefined;
    for (;;) {
      const rows: { id: string; secret: string }[] = await dataSource.query(
        `SELECT ${idColumn} AS id, secret FROM ${s}.${table}
          WHERE ($1::uuid IS NULL OR (${idColumn}, secret) > ($1::uuid, $2::text))
          ORDER BY ${idColumn}, secret
          LIMIT ${BATCH}`,
        [after?.id ?? null, after?.secret ?? null],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1];
      await dataSource.transaction(async (manager) => {
        for (const row of rows) {
          if (!needs(row.secret)) continue;
          let resealed: string;
          try {
            resealed = vault.seal(vault.reveal(row.secret, row.id), row.id);
          } catch {
            counts.unreadable += 1;
            continue;
          }
          const [, updated] = (await manager.query(
            `UPDATE ${s}.${table} SET secret = $3 WHERE ${idColumn} = $1 AND secret = $2`,
            [row.id, row.secret, resealed],
          )) as [unknown, number];
          counts[key] += updated;
        }
      });
    }
  }
  return counts;
}

/**
 * At start, before the senders run, seals the secrets still stored as plain text (rows written
 * before encryption at rest): the migrations cannot, they run without the key. Idempotent, and
 * safe with replicas starting together.
 */
@Injectable()
export class WebhookSecretSealing implements OnModuleInit {
  private readonly logger = new Logger('WebhookSecretSealing');

  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: WebhookSecretVault,
  ) {}

  async onModuleInit(): Promise<void> {
    const { current, previous, unreadable } = await resealWebhookSecrets(
      this.dataSource,
      this.vault,
      'plain',
    );
    if (current + previous > 0) {
      this.logger.log(`Encrypted ${current + previous} webhook secrets stored as plain text`);
    }
    if (unreadable > 0) this.logger.warn(`${unreadable} webhook secrets could not be read`);
  }
}

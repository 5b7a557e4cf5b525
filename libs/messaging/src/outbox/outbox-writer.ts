import { Injectable } from '@nestjs/common';
import { parseEnvelope, type EventEnvelope } from '@ajla/contracts';
import { CORRELATION_ID_HEADER, currentRequestContext, propagationHeaders } from '@ajla/platform';
import type { EntityManager } from 'typeorm';
import { messagingTables } from '../persistence/messaging-tables';

/**
 * Writes events to the service's outbox inside the caller's transaction: they are stored if and
 * only if the change they report is. The commit also wakes the relay (Postgres NOTIFY, delivered
 * at commit), so an event normally leaves within milliseconds.
 */
@Injectable()
export class OutboxWriter {
  async append(manager: EntityManager, envelopes: readonly EventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) {
      // Outside a transaction the events would be stored whether or not the change is.
      throw new Error(
        'OutboxWriter.append needs the EntityManager of the transaction that makes the change',
      );
    }
    const tables = messagingTables(manager.dataSource);
    // Validated again here: nothing that breaks a contract is ever stored, whoever built it.
    const events = envelopes.map((envelope) => parseEnvelope(envelope));
    const context = propagationHeaders(currentRequestContext());

    const ids: string[] = [];
    const keys: string[] = [];
    const bodies: string[] = [];
    const headers: string[] = [];
    for (const event of events) {
      ids.push(event.id);
      keys.push(event.type);
      bodies.push(JSON.stringify(event));
      const correlationId = event.correlation_id ?? context[CORRELATION_ID_HEADER];
      headers.push(
        JSON.stringify({
          ...context,
          ...(correlationId ? { [CORRELATION_ID_HEADER]: correlationId } : {}),
        }),
      );
    }
    // One round trip: the rows, and the NOTIFY that Postgres delivers when (if) this commits.
    await manager.query(
      `WITH inserted AS (
         INSERT INTO ${tables.outbox} (id, routing_key, envelope, headers)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::json[], $4::jsonb[])
         RETURNING 1
       )
       SELECT pg_notify($5, count(*)::text) FROM inserted`,
      [ids, keys, bodies, headers, tables.notifyChannel],
    );
  }
}

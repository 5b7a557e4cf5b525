import { Injectable } from '@nestjs/common';
import { parseEnvelope, type EventEnvelope } from '@ajla/contracts';
import { CORRELATION_ID_HEADER, currentRequestContext, propagationHeaders } from '@ajla/platform';
import type { EntityManager } from 'typeorm';
import { messagingTables } from '../persistence/messaging-tables';

/** Outbox rows as the arrays of an `INSERT ... SELECT * FROM unnest(...)` (see `OutboxWriter.rows`). */
export interface OutboxRows {
  ids: string[];
  routingKeys: string[];
  /** Envelopes as JSON text. */
  envelopes: string[];
  /** AMQP headers (correlation id, trace context) as JSON text. */
  headers: string[];
}

/**
 * Writes events to the service's outbox inside the caller's transaction: they are stored if and
 * only if the change they report is. The commit also wakes the relay (Postgres NOTIFY, delivered
 * at commit), so an event normally leaves within milliseconds.
 *
 * A hot path that stores its change and its events in one statement of its own (a single
 * statement is a transaction of its own) takes the validated rows from `rows`, inserts them in
 * that statement, and calls `committed` once it has returned: that wakes this process's relay
 * without a NOTIFY, which costs Postgres a global lock and a signal at every commit.
 */
@Injectable()
export class OutboxWriter {
  private readonly commitListeners = new Set<() => void>();

  async append(manager: EntityManager, envelopes: readonly EventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) {
      // Outside a transaction the events would be stored whether or not the change is.
      throw new Error(
        'OutboxWriter.append needs the EntityManager of the transaction that makes the change',
      );
    }
    const tables = messagingTables(manager.dataSource);
    const rows = this.rows(envelopes);
    // One round trip: the rows, and the NOTIFY that Postgres delivers when (if) this commits.
    await manager.query(
      `WITH inserted AS (
         INSERT INTO ${tables.outbox} (id, routing_key, envelope, headers)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::json[], $4::jsonb[])
         RETURNING 1
       )
       SELECT pg_notify($5, count(*)::text) FROM inserted`,
      [rows.ids, rows.routingKeys, rows.envelopes, rows.headers, tables.notifyChannel],
    );
  }

  /**
   * The outbox rows of `envelopes`, each validated against its contract (nothing that breaks one
   * is ever stored, whoever built it), with the current request's correlation and trace headers.
   */
  rows(envelopes: readonly EventEnvelope[]): OutboxRows {
    const rows: OutboxRows = { ids: [], routingKeys: [], envelopes: [], headers: [] };
    for (const envelope of envelopes) {
      const event = parseEnvelope(envelope);
      rows.ids.push(event.id);
      rows.routingKeys.push(event.type);
      rows.envelopes.push(JSON.stringify(event));
      rows.headers.push(this.headers(event.correlation_id));
    }
    return rows;
  }

  /**
   * The AMQP headers (JSON text) of an event written now: the current request's trace context and
   * correlation id (`correlationId`, the envelope's, when it has one).
   */
  headers(correlationId: string | null): string {
    const context = propagationHeaders(currentRequestContext());
    const correlation = correlationId ?? context[CORRELATION_ID_HEADER];
    return JSON.stringify({
      ...context,
      ...(correlation ? { [CORRELATION_ID_HEADER]: correlation } : {}),
    });
  }

  /** Outbox rows written by a statement of the caller's own are committed: relay them. */
  committed(): void {
    for (const listener of this.commitListeners) listener();
  }

  /** Called on every `committed` (the service's relay); returns the way to stop. */
  onCommitted(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }
}

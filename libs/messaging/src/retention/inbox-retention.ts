import type { DataSource } from 'typeorm';
import { messagingTables } from '../persistence/messaging-tables';

/** Rows per delete: short transactions that never hold many locks. */
const PRUNE_BATCH = 5_000;

/**
 * Deletes inbox rows of events handled more than `retentionDays` ago, in batches of a few
 * thousand, each its own statement. Replicas may run it at the same time: each batch skips the
 * rows another one has locked. Resolves to the number of rows deleted.
 */
export async function pruneInbox(dataSource: DataSource, retentionDays: number): Promise<number> {
  if (!(retentionDays > 0)) return 0;
  const { inbox } = messagingTables(dataSource);
  let total = 0;
  for (;;) {
    // The handled_at index finds the old rows in order; `make_interval` keeps the days a parameter.
    const [, deleted] = (await dataSource.query(
      `DELETE FROM ${inbox} WHERE event_id IN (
         SELECT event_id FROM ${inbox}
          WHERE handled_at < now() - make_interval(days => $1)
          ORDER BY handled_at
          LIMIT ${PRUNE_BATCH}
          FOR UPDATE SKIP LOCKED)`,
      [retentionDays],
    )) as [unknown, number];
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
  }
}

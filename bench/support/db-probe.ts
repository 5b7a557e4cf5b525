import { Client } from 'pg';

/**
 * What one database did per message during a window, from pg_stat_database and
 * pg_stat_user_tables (approximate: backends flush these statistics about once a second).
 */
export interface DbWork {
  commits: number;
  rows_inserted: number;
  rows_updated: number;
  rows_deleted: number;
  /** Rows scanned by sequential scans plus rows fetched through indexes. */
  rows_read: number;
  /** Per table (schema.table) with any work worth a hundredth of a row per message. */
  tables: Record<string, { read: number; written: number; seq_scans: number }>;
}

interface TableCounters {
  read: number;
  written: number;
  seq_scans: number;
}

interface Sample {
  commits: number;
  tables: Map<string, TableCounters & { inserted: number; updated: number; deleted: number }>;
}

/** Samples the statistics of one database over a connection of its own to that database. */
export class DbProbe {
  private constructor(private readonly client: Client) {}

  /** `serverUrl` names the server; the probe connects to `database` on it. */
  static async open(serverUrl: string, database: string): Promise<DbProbe> {
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    return new DbProbe(client);
  }

  /**
   * Waits until no outbox of the database holds unsent events (the relays caught up after a
   * saturated step), at most `timeoutMs`; resolves with how many were still waiting.
   */
  async outboxDrained(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.client.query<{ schemaname: string }>(
        `SELECT schemaname FROM pg_stat_user_tables WHERE relname = 'outbox_messages'`,
      );
      let waiting = 0;
      for (const { schemaname } of rows) {
        const escaped = schemaname.replaceAll('"', '""');
        const result = await this.client.query<{ n: string }>(
          `SELECT count(*) AS n FROM "${escaped}".outbox_messages WHERE published_at IS NULL`,
        );
        waiting += Number(result.rows[0].n);
      }
      if (waiting === 0 || Date.now() > deadline) return waiting;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async sample(): Promise<Sample> {
    const [db, tables] = await Promise.all([
      this.client.query<{ commits: string }>(
        'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()',
      ),
      this.client.query<Record<string, string>>(
        `SELECT schemaname || '.' || relname AS name, seq_scan, seq_tup_read,
                COALESCE(idx_tup_fetch, 0) AS idx_tup_fetch, n_tup_ins, n_tup_upd, n_tup_del
           FROM pg_stat_user_tables`,
      ),
    ]);
    const sample: Sample = { commits: Number(db.rows[0]?.commits ?? 0), tables: new Map() };
    for (const t of tables.rows) {
      const [inserted, updated, deleted] = [t.n_tup_ins, t.n_tup_upd, t.n_tup_del].map(Number);
      sample.tables.set(t.name, {
        read: Number(t.seq_tup_read) + Number(t.idx_tup_fetch),
        written: inserted + updated + deleted,
        seq_scans: Number(t.seq_scan),
        inserted,
        updated,
        deleted,
      });
    }
    return sample;
  }

  /** The work between two samples, per message processed in between. */
  static perMessage(before: Sample, after: Sample, messages: number): DbWork {
    const per = (n: number) => (messages > 0 ? Math.round((n / messages) * 100) / 100 : 0);
    const total = { inserted: 0, updated: 0, deleted: 0, read: 0 };
    const tables: DbWork['tables'] = {};
    for (const [name, a] of after.tables) {
      const b = before.tables.get(name);
      const delta = (key: keyof typeof a) => a[key] - (b?.[key] ?? 0);
      for (const key of ['inserted', 'updated', 'deleted', 'read'] as const)
        total[key] += delta(key);
      const table = {
        read: per(delta('read')),
        written: per(delta('written')),
        seq_scans: per(delta('seq_scans')),
      };
      if (table.read >= 0.01 || table.written >= 0.01 || table.seq_scans >= 0.01) {
        tables[name] = table;
      }
    }
    return {
      commits: per(after.commits - before.commits),
      rows_inserted: per(total.inserted),
      rows_updated: per(total.updated),
      rows_deleted: per(total.deleted),
      rows_read: per(total.read),
      tables,
    };
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

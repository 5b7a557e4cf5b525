import { Client } from 'pg';

/**
 * Every marker the fuzz cases put into their strings: `fz<n>x` (HTTP) and `fz<prefix><n>x` of
 * the WebSocket cases (`w` chat frames, `h` chat handshakes, `n`/`k` the notifications socket's).
 */
const MARKER_PATTERN = 'fz[whnk]?[0-9]+x';

export interface KeptMarker {
  marker: string;
  /** The refused case: `12`, `w12` (frame) or `h12` (handshake). */
  refusedBy: string;
  /** How the platform refused it. */
  answer: string;
  table: string;
}

/**
 * The markers of refused cases. The platform refused them, so no table may hold them: at the end,
 * one pass over every table of every schema (services' schemas, outboxes and inboxes, and any
 * schema a future service adds) collects the markers present.
 */
export class Markers {
  private readonly refused = new Map<string, { caseId: string; answer: string }>();

  http(id: number): string {
    return `fz${id}x`;
  }

  /** The marker of WebSocket case `caseId` (`w12`, `h3`, ...). */
  ws(caseId: string): string {
    return `fz${caseId}x`;
  }

  refuse(marker: string, caseId: string, answer: string): void {
    this.refused.set(marker, { caseId, answer });
  }

  get refusedCount(): number {
    return this.refused.size;
  }

  async keptAfterRefusal(databaseUrl: string): Promise<KeptMarker[]> {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const tables = await db.query<{ schema: string; table: string }>(
        `SELECT table_schema AS schema, table_name AS "table" FROM information_schema.tables
          WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
      );
      const kept: KeptMarker[] = [];
      for (const { schema, table } of tables.rows) {
        const name = `${quote(schema)}.${quote(table)}`;
        const found = await db.query<{ marker: string }>(
          `SELECT DISTINCT m[1] AS marker
             FROM (SELECT regexp_matches(row_to_json(t)::text, '${MARKER_PATTERN}', 'g') AS m FROM ${name} t) s`,
        );
        for (const { marker } of found.rows) {
          const refusal = this.refused.get(marker);
          if (refusal !== undefined) {
            kept.push({
              marker,
              refusedBy: refusal.caseId,
              answer: refusal.answer,
              table: `${schema}.${table}`,
            });
          }
        }
      }
      return kept;
    } finally {
      await db.end();
    }
  }
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { EntityManager } from 'typeorm';

/**
 * A hot statement that Postgres parses and plans once per connection instead of at every call
 * (`manager.query` sends an unnamed statement each time: for a statement of a few rows, planning
 * costs as much as running it). The name carries a hash of the text, so two texts never share one
 * and a changed text is prepared afresh.
 *
 * Runs on the manager's transaction when it has one, on the data source's pool otherwise. Errors
 * are the driver's (`pg`'s `DatabaseError`, with `code` and `constraint`), not TypeORM's.
 */
export class PreparedStatement<Row extends QueryResultRow = QueryResultRow> {
  readonly name: string;

  constructor(
    label: string,
    readonly text: string,
  ) {
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
    // Postgres truncates names at 63 bytes.
    this.name = `${label.slice(0, 40)}_${hash}`;
  }

  async run(manager: EntityManager, values: unknown[]): Promise<Row[]> {
    const query = { name: this.name, text: this.text, values };
    const runner = manager.queryRunner;
    if (runner !== undefined && !runner.isReleased) {
      const client = (await runner.connect()) as PoolClient;
      return (await client.query<Row>(query)).rows;
    }
    const pool = (manager.connection.driver as unknown as { master: Pool }).master;
    return (await pool.query<Row>(query)).rows;
  }
}

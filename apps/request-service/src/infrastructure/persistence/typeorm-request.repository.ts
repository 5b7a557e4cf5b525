import { Injectable } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import { PreparedStatement } from '@ajla/platform';
import type { Request } from '../../domain/request/request.aggregate';
import type { RequestId } from '../../domain/request/request-id';
import type {
  RequestListFilter,
  RequestListing,
  RequestPage,
  RequestRepository,
} from '../../domain/request/request.repository.port';
import { RequestMapper } from './request.mapper';
import { RequestOrmEntity } from './request.orm-entity';

/** A request's columns under the entity's property names, so a row reads as a `RequestOrmEntity`. */
const REQUEST_COLUMNS = `id, user_id AS "userId", type, description, status,
  assignee_id AS "assigneeId", conversation_id AS "conversationId",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * Reading one request is every request page's first step: prepared once per connection, without
 * the query builder (which cost the service about an eighth of its CPU on a request by id).
 */
const REQUEST_BY_ID = new PreparedStatement<RequestOrmEntity>(
  'request_by_id',
  `SELECT ${REQUEST_COLUMNS} FROM requests WHERE id = $1`,
);
/**
 * SELECT ... FOR UPDATE: a concurrent change of this request waits here for our commit, then
 * reads the state we left, so two transitions from one state cannot both succeed.
 */
const REQUEST_BY_ID_FOR_UPDATE = new PreparedStatement<RequestOrmEntity>(
  'request_by_id_for_update',
  `SELECT ${REQUEST_COLUMNS} FROM requests WHERE id = $1 FOR UPDATE`,
);

@Injectable()
export class TypeOrmRequestRepository implements RequestRepository, RequestListing {
  constructor(private readonly unitOfWork: OutboxUnitOfWork) {}

  async findById(id: RequestId): Promise<Request | undefined> {
    const [row] = await REQUEST_BY_ID.run(this.unitOfWork.manager, [id]);
    return row ? RequestMapper.toDomain(row) : undefined;
  }

  async findByIdForUpdate(id: RequestId): Promise<Request | undefined> {
    if (!this.unitOfWork.inTransaction) {
      throw new Error('findByIdForUpdate must run inside a unit of work: its lock would not last');
    }
    const [row] = await REQUEST_BY_ID_FOR_UPDATE.run(this.unitOfWork.manager, [id]);
    return row ? RequestMapper.toDomain(row) : undefined;
  }

  /**
   * One statement (`writeInOneStatement`): the request and its events, autocommitted (one round
   * trip, one commit: it is every submission's write) or in the caller's unit of work.
   */
  async add(request: Request): Promise<void> {
    const row = RequestMapper.toPersistence(request);
    await this.unitOfWork.writeInOneStatement(
      {
        with: `added AS (
            INSERT INTO requests
              (id, user_id, type, description, status, assignee_id, conversation_id, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            RETURNING id
          )`,
        guard: 'added',
        parameters: [
          row.id,
          row.userId,
          row.type,
          row.description,
          row.status,
          row.assigneeId,
          row.conversationId,
          row.createdAt,
          row.updatedAt,
        ],
      },
      [request],
    );
  }

  async update(request: Request): Promise<void> {
    await this.unitOfWork.run(async () => {
      const { id, ...row } = RequestMapper.toPersistence(request);
      const result = await this.unitOfWork.manager.update(RequestOrmEntity, { id }, row);
      if (result.affected === 0) throw new Error(`request ${id} does not exist`);
      this.unitOfWork.track(request);
    });
  }

  /** A page and the total, together (two statements, two connections of the pool). */
  async list(filter: RequestListFilter): Promise<RequestPage> {
    const { page, count, values } = listStatements(filter);
    const manager = this.unitOfWork.manager;
    const [rows, counted] = await Promise.all([
      page.run(manager, [...values, filter.pageSize, (filter.page - 1) * filter.pageSize]),
      count.run(manager, values),
    ]);
    return {
      items: rows.map((row) => RequestMapper.toDomain(row)),
      total: Number(counted[0]!.total),
    };
  }
}

/** The statements of one shape of list: which filters it has, and its order. */
interface ListStatements {
  page: PreparedStatement<RequestOrmEntity>;
  count: PreparedStatement<{ total: string }>;
}

/**
 * One pair of prepared statements per shape of list (at most 8 filter sets x 2 orders), made on
 * first use: each shape gets a plan of its own that uses its index, which a single statement with
 * optional filters (`$1 IS NULL OR ...`) would not once Postgres switches to a generic plan.
 */
const LIST_STATEMENTS = new Map<string, ListStatements>();

function listStatements(filter: RequestListFilter): ListStatements & { values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const where = (column: string, value: unknown) => {
    values.push(value);
    conditions.push(`${column} = $${values.length}`);
  };
  if (filter.ownerId !== undefined) where('user_id', filter.ownerId);
  if (filter.status !== undefined) where('status', filter.status);
  if (filter.assigneeId !== undefined) where('assignee_id', filter.assigneeId);
  const direction = filter.order === 'newest_first' ? 'DESC' : 'ASC';
  const whereClause = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const shape = `${whereClause} ${direction}`;
  let statements = LIST_STATEMENTS.get(shape);
  if (statements === undefined) {
    const limit = values.length + 1;
    statements = {
      page: new PreparedStatement(
        'request_page',
        `SELECT ${REQUEST_COLUMNS} FROM requests ${whereClause}
         ORDER BY created_at ${direction}, id ${direction} LIMIT $${limit} OFFSET $${limit + 1}`,
      ),
      count: new PreparedStatement(
        'request_count',
        `SELECT count(*) AS total FROM requests ${whereClause}`,
      ),
    };
    LIST_STATEMENTS.set(shape, statements);
  }
  return { ...statements, values };
}

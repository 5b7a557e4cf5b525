import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { METRICS_REGISTRY, PeriodicJob } from '@ajla/platform';
import { Counter, type Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { UserServiceConfig } from '../../config/user-service.config';
import { USERS_SCHEMA } from '../persistence/entities';

/** Families per statement: short transactions, few locks. */
const PRUNE_BATCH = 1_000;

export interface PrunedSessions {
  families: number;
  tokens: number;
}

/**
 * Deletes the session families that ended more than `retentionDays` ago, with their refresh
 * tokens: revoked (logout, reuse, access change) before then, or whose every token expired before
 * then. A family being refreshed right now is locked and skipped (`SKIP LOCKED`), so replicas
 * and the refresh path can run at the same time. Its tokens can no longer refresh anything, so
 * a client presenting one is refused (as an unknown token rather than an expired or revoked one).
 */
export async function pruneSessionFamilies(
  dataSource: DataSource,
  retentionDays: number,
): Promise<PrunedSessions> {
  const total: PrunedSessions = { families: 0, tokens: 0 };
  for (;;) {
    const [row] = (await dataSource.query(
      `WITH ended AS (
         SELECT f.id FROM ${USERS_SCHEMA}.session_families f
          WHERE f.revoked_at < now() - make_interval(days => $1)
             OR NOT EXISTS (SELECT 1 FROM ${USERS_SCHEMA}.refresh_tokens t
                             WHERE t.family_id = f.id
                               AND t.expires_at >= now() - make_interval(days => $1))
          LIMIT ${PRUNE_BATCH}
          FOR UPDATE SKIP LOCKED),
       tokens AS (
         DELETE FROM ${USERS_SCHEMA}.refresh_tokens t USING ended
          WHERE t.family_id = ended.id RETURNING 1),
       families AS (
         DELETE FROM ${USERS_SCHEMA}.session_families f USING ended
          WHERE f.id = ended.id RETURNING 1)
       SELECT (SELECT count(*) FROM families)::int AS families,
              (SELECT count(*) FROM tokens)::int AS tokens`,
      [retentionDays],
    )) as PrunedSessions[];
    total.families += row.families;
    total.tokens += row.tokens;
    if (row.families < PRUNE_BATCH) return total;
  }
}

/** Runs `pruneSessionFamilies` every REFRESH_FAMILY_PRUNE_INTERVAL_MINUTES, with metrics. */
@Injectable()
export class SessionFamilyRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SessionRetention');
  private readonly job: PeriodicJob;

  constructor(
    config: UserServiceConfig,
    dataSource: DataSource,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    const counter = (name: string, help: string) =>
      registry
        ? ((registry.getSingleMetric(name) as Counter | undefined) ??
          new Counter({ name, help, registers: [registry] }))
        : undefined;
    const families = counter(
      'ajla_session_families_pruned_total',
      'Ended session families deleted by the retention job',
    );
    const tokens = counter(
      'ajla_refresh_tokens_pruned_total',
      'Refresh tokens deleted with their session family by the retention job',
    );
    const days = config.REFRESH_FAMILY_RETENTION_DAYS;
    this.job = new PeriodicJob({
      name: 'Session family retention',
      intervalMs: config.REFRESH_FAMILY_PRUNE_INTERVAL_MINUTES * 60_000,
      firstRunAfterMs: 60_000,
      logger: this.logger,
      run: async () => {
        const pruned = await pruneSessionFamilies(dataSource, days);
        families?.inc(pruned.families);
        tokens?.inc(pruned.tokens);
        if (pruned.families > 0) {
          this.logger.log(
            `Pruned ${pruned.families} session families (${pruned.tokens} refresh tokens) ended more than ${days} days ago`,
          );
        }
      },
    });
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }
}

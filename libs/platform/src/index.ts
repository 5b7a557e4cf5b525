export * from './config/load-config';
export * from './config/base-service.config';
export * from './config/database.config';
export * from './config/redis.config';
export * from './config/metrics.config';
export type { Constructor } from './config/mixin';
export * from './http/request-context';
export { PUBLIC_ROUTE_KEY } from './http/public-route';
export * from './http/domain-exception.filter';
export * from './http/validation.pipe';
export * from './http/untrusted-input';
export * from './http/create-service-app';
export * from './http/transport-strategy';
export {
  loggerParams,
  redactUrl,
  serializeError,
  LOGGED_QUERY_PARAMETERS,
  REDACTED_PATHS,
} from './observability/logger';
export { METRICS_REGISTRY, MetricsListener, metricsOpenOnAppPort } from './observability/metrics';
export type { MetricsExposure } from './observability/metrics';
export * from './observability/tracing';
export { READINESS_CHECKS, Readiness } from './health/readiness';
export type { ReadinessCheck, ReadinessReport } from './health/readiness';
export * from './platform.module';
export * from './database/create-data-source';
export * from './database/database.module';
export * from './database/postgres-readiness.check';
export * from './database/prepared-statement';
export * from './database/group-commit';
export * from './database/postgres-listener';
export * from './database/notified-cache';
export * from './redis/redis.module';
export * from './http/run-service';
export * from './http/start-signal';
export * from './cli/run-cli';
export * from './database/migrate-schema';
export * from './paging/paging';
export * from './paging/page.dto';
export * from './realtime/coalesce-writes';
export * from './database/migration-schema';
export * from './jobs/periodic-job';
export * from './realtime/frames';
export * from './realtime/token-bucket';
export * from './realtime/ws-gateway-adapter';
export * from './realtime/open-sockets';
export * from './realtime/redis-fanout';
export * from './realtime/sequence-cursor';

import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisConfig } from '../config/redis.config';
import { loadConfig } from '../config/load-config';
import { READINESS_CHECKS, ReadinessCheck } from '../health/readiness';

/** Injection token of the service's ioredis client: `@Inject(REDIS) redis: Redis`. */
export const REDIS = Symbol('REDIS');

export interface RedisModuleOptions {
  /** Defaults to `REDIS_URL` and `REDIS_KEY_PREFIX` from the environment. */
  config?: RedisConfig;
}

export function createRedisClient(config: RedisConfig): Redis {
  const logger = new Logger('Redis');
  const client = new Redis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    // Fail a command after a few reconnection attempts instead of queueing it for ever.
    maxRetriesPerRequest: 3,
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    // ioredis repeats the same error on every reconnection attempt: log each kind once.
    if (error.message === lastError) return;
    lastError = error.message;
    logger.warn(`Redis connection error: ${error.message}`);
  });
  client.on('ready', () => {
    lastError = '';
  });
  return client;
}

@Injectable()
export class RedisReadinessCheck implements ReadinessCheck {
  readonly name = 'redis';

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async check(): Promise<void> {
    await this.redis.ping();
  }
}

/** One ioredis client under `REDIS`, closed on shutdown, checked by `/health/ready`. */
@Module({})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  static forRoot(options: RedisModuleOptions = {}): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        {
          provide: REDIS,
          useFactory: () => createRedisClient(options.config ?? loadConfig(RedisConfig)),
        },
        RedisReadinessCheck,
        { provide: READINESS_CHECKS, useExisting: RedisReadinessCheck },
      ],
      exports: [REDIS, RedisReadinessCheck],
    };
  }

  // Runs after the HTTP server has closed, so in-flight requests still had Redis.
  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'end') return;
    // `quit()` resolves on the server's OK, before the socket is closed.
    const ended = new Promise((resolve) => this.redis.once('end', resolve));
    await this.redis.quit().catch(() => this.redis.disconnect());
    await ended;
  }
}

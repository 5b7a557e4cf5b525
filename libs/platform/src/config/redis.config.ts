// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { IsString, Matches } from 'class-validator';
import { Constructor } from './mixin';

/** Adds the Redis variables to a config class: `extends withRedisConfig(BaseServiceConfig)`. */
export function withRedisConfig<TBase extends Constructor>(Base: TBase) {
  class WithRedisConfig extends Base {
    @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
    REDIS_URL: string = 'redis://127.0.0.1:6379';

    /** Prepended to every key (not to pub/sub channels), so services and test runs never collide. */
    @IsString()
    REDIS_KEY_PREFIX: string = 'ajla:';
  }
  return WithRedisConfig;
}

export class RedisConfig extends withRedisConfig(class {}) {}

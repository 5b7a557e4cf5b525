// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { IsInt, IsOptional, IsString, Max, Matches, Min } from 'class-validator';
import { Constructor } from './mixin';

const PORT_OR_ZERO = { message: 'must be 0 (none) or an integer between 1 and 65535' };

/**
 * Adds where `/metrics` is served: `extends withMetricsConfig(BaseServiceConfig)`.
 * METRICS_PORT: a listener of its own that serves only `/metrics` (0: none). METRICS_TOKEN: a
 * bearer token that opens `/metrics` on the application's own port. A service reached from the
 * internet (the gateway) defaults METRICS_PORT to a port of its own and never serves `/metrics`
 * on its public port without the token.
 */
export function withMetricsConfig<TBase extends Constructor>(Base: TBase) {
  class WithMetricsConfig extends Base {
    @IsInt(PORT_OR_ZERO)
    @Min(0, PORT_OR_ZERO)
    @Max(65535, PORT_OR_ZERO)
    METRICS_PORT: number = 0;

    @IsOptional()
    @IsString()
    @Matches(/^[\x21-\x7e]{32,}$/, {
      message: 'must be at least 32 printable characters without spaces (a random secret)',
    })
    METRICS_TOKEN?: string;
  }
  return WithMetricsConfig;
}

import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { IsIn } from 'class-validator';
import { LoggerModule } from 'nestjs-pino';
import type pino from 'pino';
import { LOG_LEVELS, LogLevel } from './config/base-service.config';
import { loadConfig } from './config/load-config';
import { HealthController, Readiness } from './health/readiness';
import { AccessLogHook } from './observability/access-log-hook';
import { AccessLog, bufferedStdout, loggerParams } from './observability/logger';
import {
  HttpMetrics,
  METRICS_EXPOSURE,
  METRICS_REGISTRY,
  MetricsController,
  MetricsExposure,
  MetricsListener,
  createMetricsRegistry,
} from './observability/metrics';

class LoggingConfig {
  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';
}

export interface PlatformModuleOptions {
  serviceName: string;
  /** Defaults to `LOG_LEVEL` from the environment. */
  logLevel?: LogLevel;
  /** Where log lines go; stdout by default. Tests pass a stream to read them. */
  logDestination?: pino.DestinationStream;
  /** The level of a successful request's line: `debug` (a service) or `info` (the edge). */
  requestLogLevel?: 'info' | 'debug';
  /** Where `/metrics` is served; by default on the service's own port, open (see MetricsExposure). */
  metrics?: MetricsExposure;
}

/** Logs, `/metrics`, `/health/live` and `/health/ready` for one service. */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions): DynamicModule {
    const level = options.logLevel ?? loadConfig(LoggingConfig).LOG_LEVEL;
    // One destination for the application's lines and the requests' lines, in the order written.
    const destination = options.logDestination ?? bufferedStdout();
    return {
      module: PlatformModule,
      global: true,
      imports: [
        DiscoveryModule,
        LoggerModule.forRoot(
          loggerParams({ serviceName: options.serviceName, level, destination }),
        ),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry(options.serviceName) },
        { provide: METRICS_EXPOSURE, useValue: options.metrics ?? {} },
        HttpMetrics,
        {
          provide: AccessLog,
          useValue: new AccessLog({
            serviceName: options.serviceName,
            level,
            destination,
            successLevel: options.requestLogLevel,
          }),
        },
        AccessLogHook,
        MetricsListener,
        Readiness,
      ],
      exports: [METRICS_REGISTRY, MetricsListener, Readiness],
    };
  }
}

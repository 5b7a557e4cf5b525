import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventTransport } from '@ajla/messaging';
import { createServiceApp, type ServiceAppOptions } from '@ajla/platform';

/** Where integration specs find RabbitMQ and Redis (the local defaults, or the environment's). */
export const TEST_RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RunningService {
  app: NestFastifyApplication;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** `ws://127.0.0.1:<port>` */
  wsUrl: string;
}

/** `http://127.0.0.1:<port>` of an app that listens. */
export function urlOf(app: NestFastifyApplication): string {
  const address = app.getHttpServer().address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/**
 * A service's app, as `runService` starts it, on a free port of 127.0.0.1: its event consumers
 * started and consuming before it answers, so that an event a test publishes next reaches a
 * declared and bound queue (`consumers: false`: HTTP only, no queue declared).
 */
export async function startServiceApp(
  module: DynamicModule,
  options: ServiceAppOptions,
  { consumers = true }: { consumers?: boolean } = {},
): Promise<RunningService> {
  const app = await createServiceApp(module, options);
  if (consumers) await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  if (consumers) await app.get(EventTransport, { strict: false }).whenConsuming(15_000);
  const baseUrl = urlOf(app);
  return { app, baseUrl, wsUrl: baseUrl.replace(/^http/, 'ws') };
}

import type { INestApplicationContext } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';

/**
 * Token of the transport (a `CustomTransportStrategy` of `@nestjs/microservices`) that serves the
 * service's `@EventPattern` handlers; `@ajla/messaging` provides it for a service that consumes
 * events. `createServiceApp` connects it to the application (a hybrid app, with the app's global
 * filters, pipes and guards), `runService` starts it (`app.startAllMicroservices()`) before the
 * app listens, and the app's `close()` stops it.
 */
export const TRANSPORT_STRATEGY = Symbol('TRANSPORT_STRATEGY');

/** The module's transport strategy, or undefined when no module provides one. */
export function transportStrategyOf(
  app: INestApplicationContext,
): CustomTransportStrategy | undefined {
  try {
    return app.get<CustomTransportStrategy>(TRANSPORT_STRATEGY, { strict: false });
  } catch {
    return undefined;
  }
}

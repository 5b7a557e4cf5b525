import type { INestApplicationContext } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
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
  // Through the root module's ModuleRef: the application itself logs an element it cannot find
  // as an error before throwing, and a service without consumers (the gateway) has none.
  try {
    return app.get(ModuleRef).get<CustomTransportStrategy>(TRANSPORT_STRATEGY, { strict: false });
  } catch {
    return undefined;
  }
}

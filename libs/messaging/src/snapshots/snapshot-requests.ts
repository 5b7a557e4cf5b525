import { parseArgs } from 'node:util';
import type { OnApplicationBootstrap, Provider } from '@nestjs/common';
import { createEnvelope, type EventData, type RoutingKey } from '@ajla/contracts';
import { createDataSource, type CliCommand } from '@ajla/platform';
import { DataSource } from 'typeorm';
import { OutboxWriter } from '../outbox/outbox-writer';
import { MESSAGING_ENTITIES } from '../persistence/messaging.entities';

/**
 * The events that ask a producer for a snapshot of its state: their only data is who asks
 * (`user.snapshot_requested`).
 */
export type SnapshotRequestKey = {
  [K in RoutingKey]: { requested_by: string } extends EventData<K> ? K : never;
}[RoutingKey];

/**
 * How a service with a read model of another service's state catches up on what happened before
 * its queue existed: it asks the owner, once, for a snapshot (an event such as
 * `user.snapshot_requested`, answered with `user.snapshot` events), and remembers in its own schema
 * (`snapshot_requests`) that it asked, so that it does not ask again on every start.
 *
 * The request goes to the service's outbox in the same transaction as the row that remembers it:
 * either both or neither, so a crash never leaves "asked" without the question on its way. The
 * row is claimed with `ON CONFLICT DO NOTHING`, so replicas starting together ask once between them.
 */
export class SnapshotRequests {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    /** The asking service: the envelope's `producer` and the request's `requested_by`. */
    private readonly service: string,
  ) {}

  /** Asks for the snapshot unless this service already did; returns whether it asked now. */
  askOnce(type: SnapshotRequestKey): Promise<boolean> {
    return this.ask(type, false);
  }

  /** Asks again (an operator repairing the read model); returns true. */
  askAgain(type: SnapshotRequestKey): Promise<boolean> {
    return this.ask(type, true);
  }

  /** When this service last asked for `type`, or undefined when it never did. */
  async lastAsked(type: SnapshotRequestKey): Promise<Date | undefined> {
    const rows: { requested_at: Date }[] = await this.dataSource.query(
      'SELECT requested_at FROM snapshot_requests WHERE routing_key = $1',
      [type],
    );
    return rows[0]?.requested_at;
  }

  private ask(type: SnapshotRequestKey, again: boolean): Promise<boolean> {
    const envelope = createEnvelope(
      type,
      { requested_by: this.service },
      { producer: this.service, correlationId: null },
    );
    return this.dataSource.transaction(async (manager) => {
      const claimed: unknown[] = await manager.query(
        `INSERT INTO snapshot_requests (routing_key, event_id, requested_at) VALUES ($1, $2, $3)
         ON CONFLICT (routing_key) DO ${again ? 'UPDATE SET event_id = EXCLUDED.event_id, requested_at = EXCLUDED.requested_at' : 'NOTHING'}
         RETURNING routing_key`,
        [type, envelope.id, envelope.occurred_at],
      );
      if (claimed.length === 0) return false;
      await this.outbox.append(manager, [envelope]);
      return true;
    });
  }
}

/**
 * Nest providers that ask for each snapshot once, when the service first starts (at application
 * bootstrap, after the migrations; the question waits in the outbox if the broker is away). Needs
 * the service's `DataSource` and `OutboxWriter` (`MessagingModule` exports it) and the
 * `snapshot_requests` table (`CreateSnapshotRequestsTable1765200000000` among its migrations).
 */
export function askForSnapshotsOnStart(
  service: string,
  types: readonly SnapshotRequestKey[],
): Provider[] {
  return [
    {
      provide: SnapshotRequests,
      inject: [DataSource, OutboxWriter],
      useFactory: (dataSource: DataSource, outbox: OutboxWriter) =>
        new SnapshotRequests(dataSource, outbox, service),
    },
    {
      provide: AskForSnapshotsOnStart,
      inject: [SnapshotRequests],
      useFactory: (requests: SnapshotRequests) => new AskForSnapshotsOnStart(requests, types),
    },
  ];
}

/** Asks for the snapshots this service never asked for, at start (`askForSnapshotsOnStart`). */
export class AskForSnapshotsOnStart implements OnApplicationBootstrap {
  constructor(
    private readonly requests: SnapshotRequests,
    private readonly types: readonly SnapshotRequestKey[],
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const type of this.types) await this.requests.askOnce(type);
  }
}

/** The `ask-snapshot` lines of a service CLI's usage text. */
export const ASK_SNAPSHOT_USAGE = `  ask-snapshot   Ask again for the snapshots this service asks for once at its first start
                 (e.g. user.snapshot_requested), to repair its copy; its relay publishes the request.`;

/**
 * `ask-snapshot` for the CLI of a service that asks for snapshots (`askForSnapshotsOnStart`): asks
 * again, whether or not it did before. The request waits in the service's outbox (`schema`) for
 * its relay. Reads `DATABASE_URL`.
 */
export function askSnapshotCommand(
  service: string,
  schema: string,
  types: readonly SnapshotRequestKey[],
): CliCommand<{ DATABASE_URL: string }> {
  return async ({ config, args, out }) => {
    parseArgs({ args, options: {}, strict: true });
    const dataSource = createDataSource({
      url: config.DATABASE_URL,
      schema,
      entities: MESSAGING_ENTITIES, // the outbox, which OutboxWriter finds by its entity
      applicationName: `ajla-${schema}-ask-snapshot`,
      poolSize: 1,
    });
    await dataSource.initialize();
    try {
      const requests = new SnapshotRequests(dataSource, new OutboxWriter(), service);
      for (const type of types) {
        await requests.askAgain(type);
        out(`${type}: written to the outbox of ${schema}; ${service} publishes it`);
      }
      return 0;
    } finally {
      await dataSource.destroy();
    }
  };
}

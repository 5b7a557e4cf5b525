import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NotifiedCache } from '@ajla/platform';
import { DataSource } from 'typeorm';
import { NOTIFICATIONS_SCHEMA } from './entities';

/**
 * Who is staff and which webhooks want which events, kept in memory between changes: every event
 * this service handles needs one or both, and they change seldom. The migration's triggers notify
 * `<schema>.directory` at each change to `accounts.role` or to a subscription's `active` or
 * `events`, and each replica's next read goes to the database again (`NotifiedCache`); while the
 * replica cannot listen, every read does. A change reaches events handled a few milliseconds after
 * its commit, not those handled before: they are independent events, in no given order anyway.
 */
@Injectable()
export class DirectoryCache
  extends NotifiedCache
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly enabled: boolean;

  constructor(dataSource: DataSource) {
    const { url, schema } = dataSource.options as { url?: string; schema?: string };
    super({
      url: url ?? '',
      channel: `${schema ?? NOTIFICATIONS_SCHEMA}.directory`,
      logger: new Logger(DirectoryCache.name),
    });
    this.enabled = url !== undefined && url !== '';
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.enabled) await this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}

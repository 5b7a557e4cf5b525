import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EnsureAdminHandler } from '../../application/ensure-admin/ensure-admin.handler';
import { UserServiceConfig } from '../../config/user-service.config';

/**
 * ADMIN_EMAIL + ADMIN_PASSWORD: the admin exists before the service takes traffic (this runs
 * before `listen`). Idempotent; an existing account is never promoted (see EnsureAdminHandler).
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    private readonly config: UserServiceConfig,
    private readonly ensureAdmin: EnsureAdminHandler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (admin === undefined) return;
    const outcome = await this.ensureAdmin.execute(admin);
    const id = outcome.user.id;
    switch (outcome.result) {
      case 'created':
        this.logger.log(`Bootstrap admin account created (user ${id})`);
        break;
      case 'already_admin':
        this.logger.log(`Bootstrap admin account exists (user ${id}); left unchanged`);
        break;
      case 'not_an_admin':
        this.logger.warn(
          `ADMIN_EMAIL belongs to an account with role ${outcome.user.role.name} (user ${id}); it was NOT ` +
            'promoted. Promote it as another admin (PATCH /api/v1/admin/users/{id}) or choose another ADMIN_EMAIL.',
        );
        break;
    }
  }
}

import { NestFactory } from '@nestjs/core';
import { EnsureAdminHandler } from '../../application/ensure-admin/ensure-admin.handler';
import type { UserServiceCliConfig } from '../../config/user-service.config';
import { CliModule } from './cli.module';

export interface CreateAdminInput {
  email: string;
  password: string;
  fullName?: string;
}

/**
 * Makes sure an admin account with this e-mail exists. Exit status 0 when it was created or was
 * an admin already (its password is then left as it is), 1 when the e-mail belongs to an account
 * of another role, which is not promoted.
 */
export async function createAdmin(
  config: UserServiceCliConfig,
  input: CreateAdminInput,
  out: (line: string) => void,
): Promise<number> {
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  try {
    const outcome = await app.get(EnsureAdminHandler).execute(input);
    const { id, email } = { id: outcome.user.id, email: outcome.user.email.value };
    switch (outcome.result) {
      case 'created':
        out(`created admin ${email} (${id})`);
        return 0;
      case 'already_admin':
        out(`admin ${email} (${id}) exists already; left unchanged`);
        return 0;
      case 'not_an_admin':
        out(
          `${email} (${id}) is an account with role ${outcome.user.role.name}: not promoted. ` +
            'An admin can change its role with PATCH /api/v1/admin/users/{id}.',
        );
        return 1;
    }
  } finally {
    await app.close();
  }
}

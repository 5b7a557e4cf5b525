import { randomBytes } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import type { PasswordHasher } from '../../domain/user/password-hasher.port';

/**
 * Argon2id with the OWASP Password Storage Cheat Sheet's first recommended configuration:
 * 19 MiB of memory, 2 iterations, 1 degree of parallelism (about 30-60 ms per hash here).
 */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

@Injectable()
export class Argon2PasswordHasher implements PasswordHasher, OnModuleInit {
  private decoy: Promise<string> | undefined;

  /** Made before traffic arrives, so the first unknown e-mail is not slower than the others. */
  async onModuleInit(): Promise<void> {
    await this.decoyHash();
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    if (hash === null) {
      // Same parameters, same work: an unknown e-mail costs what a wrong password costs.
      await argon2.verify(await this.decoyHash(), password);
      return false;
    }
    return argon2.verify(hash, password);
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, ARGON2_OPTIONS);
  }

  private decoyHash(): Promise<string> {
    this.decoy ??= argon2.hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS);
    return this.decoy;
  }
}

/** One-way password hashing (Argon2id in production). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * True when `password` matches `hash`. With `hash` null (no such account) it still does the work
   * of a real verification against a decoy hash and answers false, so that the answer time does not
   * tell whether an e-mail is registered.
   */
  verify(hash: string | null, password: string): Promise<boolean>;
  /** True when `hash` was made with weaker parameters than the current ones. */
  needsRehash(hash: string): boolean;
}

export const PASSWORD_HASHER = Symbol('PasswordHasher');

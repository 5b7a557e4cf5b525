export interface SessionPolicy {
  /** How long a session (refresh token family) lasts from its login; rotations do not extend it. */
  sessionLifetimeSeconds: number;
}

export const SESSION_POLICY = Symbol('SessionPolicy');

/**
 * The platform's answer to password guessing: failed logins are counted per account and per
 * client address in a fixed window, and past a limit further attempts are refused until the
 * window has passed, even with the right password. Successful logins are never counted.
 */
export const LOGIN_THROTTLE_POLICY = {
  maxFailuresPerAccount: 10,
  maxFailuresPerAddress: 100,
  windowSeconds: 15 * 60,
} as const;

export type LoginThrottlePolicy = {
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  windowSeconds: number;
};

export interface LoginAttemptSource {
  /** The normalised e-mail the attempt is for (whether or not such an account exists). */
  account: string;
  /** The client's address as the edge saw it. */
  address: string;
}

export interface LoginAttempt {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

export type LoginAdmission =
  { admitted: true; attempt: LoginAttempt } | { admitted: false; retryAfterSeconds: number };

export interface LoginThrottle {
  /** Admits an attempt, or refuses it while the account or the address is over its limit. */
  admit(source: LoginAttemptSource): Promise<LoginAdmission>;
}

export const LOGIN_THROTTLE = Symbol('LoginThrottle');

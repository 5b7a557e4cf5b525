export type FailureDecision =
  /** Wait `delayMs` in its retry queue, then try again; `retryCount` is the count after this one. */
  | { kind: 'retry'; delayMs: number; retryCount: number }
  /** No retry left: park it in the dead-letter queue. */
  | { kind: 'dead-letter' };

/**
 * What to do with a message whose handler failed, given how often it was retried already:
 * the n-th retry waits `delaysMs[n]`; once every delay is used, the dead-letter queue.
 */
export function decideAfterFailure(
  retriesSoFar: number,
  delaysMs: readonly number[],
): FailureDecision {
  if (retriesSoFar < delaysMs.length) {
    return { kind: 'retry', delayMs: delaysMs[retriesSoFar], retryCount: retriesSoFar + 1 };
  }
  return { kind: 'dead-letter' };
}

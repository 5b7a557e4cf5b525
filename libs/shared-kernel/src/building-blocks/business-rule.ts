import { RuleViolationError } from '../errors/domain-error';

/** An invariant with a name, checked by an aggregate before it changes state. */
export interface BusinessRule {
  /** Stable, snake_case name; becomes the error's `reason`. */
  readonly name: string;
  readonly message: string;
  isBroken(): boolean;
}

export function checkRule(rule: BusinessRule): void {
  if (rule.isBroken()) {
    throw new RuleViolationError(rule.message, rule.name);
  }
}

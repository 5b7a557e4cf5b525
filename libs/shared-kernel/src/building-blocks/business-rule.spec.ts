import { RuleViolationError } from '../errors/domain-error';
import { BusinessRule, checkRule } from './business-rule';

class RequestCannotBeCancelledOnceFulfilledRule implements BusinessRule {
  readonly name = 'request_already_fulfilled';
  readonly message = 'a fulfilled request cannot be cancelled';
  constructor(private readonly status: string) {}
  isBroken(): boolean {
    return this.status === 'fulfilled';
  }
}

describe('checkRule', () => {
  it('lets the change through when the rule holds', () => {
    expect(() =>
      checkRule(new RequestCannotBeCancelledOnceFulfilledRule('assigned')),
    ).not.toThrow();
  });

  it('refuses with a rule violation named after the rule when it is broken', () => {
    const attempt = () => checkRule(new RequestCannotBeCancelledOnceFulfilledRule('fulfilled'));
    expect(attempt).toThrow(RuleViolationError);
    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'rule_violated',
        reason: 'request_already_fulfilled',
        message: 'a fulfilled request cannot be cancelled',
      }),
    );
  });
});

import { ValueObject } from '../building-blocks/value-object';
import { ValidationError } from '../errors/domain-error';

// Checked before upper-casing: 'ß'.toUpperCase() is 'SS', which would turn "uß" into "USS".
const CURRENCY_PATTERN = /^[A-Za-z]{3}$/;

/**
 * An amount in a currency's minor unit (cents, fils) as an integer, so that arithmetic is exact.
 * Amounts of different currencies never mix.
 */
export class Money extends ValueObject<{ amountMinor: number; currency: string }> {
  private constructor(amountMinor: number, currency: string) {
    super({ amountMinor, currency });
  }

  static of(amountMinor: number, currency: string): Money {
    if (!Number.isSafeInteger(amountMinor)) {
      throw new ValidationError('amount must be a whole number of minor units', 'invalid_amount');
    }
    const code = currency.trim();
    if (!CURRENCY_PATTERN.test(code)) {
      throw new ValidationError('currency must be an ISO 4217 code', 'invalid_currency');
    }
    // `+ 0` turns -0 into 0: value equality uses Object.is, which tells the two apart.
    return new Money(amountMinor + 0, code.toUpperCase());
  }

  static zero(currency: string): Money {
    return Money.of(0, currency);
  }

  get amountMinor(): number {
    return this.props.amountMinor;
  }

  get currency(): string {
    return this.props.currency;
  }

  add(other: Money): Money {
    this.assertSameCurrency(other);
    return Money.of(this.amountMinor + other.amountMinor, this.currency);
  }

  subtract(other: Money): Money {
    this.assertSameCurrency(other);
    return Money.of(this.amountMinor - other.amountMinor, this.currency);
  }

  multiply(factor: number): Money {
    if (!Number.isSafeInteger(factor)) {
      throw new ValidationError('factor must be a whole number', 'invalid_factor');
    }
    return Money.of(this.amountMinor * factor, this.currency);
  }

  isNegative(): boolean {
    return this.amountMinor < 0;
  }

  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other);
    return Math.sign(this.amountMinor - other.amountMinor) as -1 | 0 | 1;
  }

  toJSON(): { amount_minor: number; currency: string } {
    return { amount_minor: this.amountMinor, currency: this.currency };
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) {
      throw new ValidationError(
        `cannot combine ${this.currency} with ${other.currency}`,
        'currency_mismatch',
      );
    }
  }
}

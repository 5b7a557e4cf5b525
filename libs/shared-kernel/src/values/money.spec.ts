import { ValidationError } from '../errors/domain-error';
import { Money } from './money';

const refused = (reason: string) => expect.objectContaining({ code: 'validation', reason });

describe('Money', () => {
  it('holds a whole number of minor units in an upper-case ISO currency', () => {
    const price = Money.of(12_550, ' usd ');
    expect(price.amountMinor).toBe(12_550);
    expect(price.currency).toBe('USD');
  });

  it('adds and subtracts exactly, where floating point would drift', () => {
    // 0.1 + 0.2 in dollars: 10 + 20 cents is exactly 30 cents.
    expect(Money.of(10, 'USD').add(Money.of(20, 'USD')).equals(Money.of(30, 'USD'))).toBe(true);

    let total = Money.zero('AED');
    for (let i = 0; i < 1000; i += 1) total = total.add(Money.of(1, 'AED'));
    expect(total.amountMinor).toBe(1000);

    expect(Money.of(500, 'EUR').subtract(Money.of(1250, 'EUR')).amountMinor).toBe(-750);
  });

  it('multiplies by a whole factor', () => {
    expect(Money.of(1999, 'GBP').multiply(3).amountMinor).toBe(5997);
    expect(() => Money.of(1999, 'GBP').multiply(1.5)).toThrow(refused('invalid_factor'));
  });

  it('is immutable: arithmetic returns new amounts', () => {
    const price = Money.of(100, 'USD');
    price.add(Money.of(50, 'USD'));
    expect(price.amountMinor).toBe(100);
  });

  it('never mixes currencies', () => {
    const dollars = Money.of(100, 'USD');
    const dirhams = Money.of(100, 'AED');
    expect(() => dollars.add(dirhams)).toThrow(ValidationError);
    expect(() => dollars.add(dirhams)).toThrow(refused('currency_mismatch'));
    expect(() => dollars.subtract(dirhams)).toThrow(refused('currency_mismatch'));
    expect(() => dollars.compare(dirhams)).toThrow(refused('currency_mismatch'));
    expect(() => dollars.add(dirhams)).toThrow('cannot combine USD with AED');
  });

  it.each([
    ['a fraction of a minor unit', 10.5],
    ['NaN', Number.NaN],
    ['infinity', Number.POSITIVE_INFINITY],
    ['an amount beyond exact integers', Number.MAX_SAFE_INTEGER + 1],
  ])('refuses %s', (_label, amount) => {
    expect(() => Money.of(amount, 'USD')).toThrow(refused('invalid_amount'));
  });

  it('refuses a sum that would no longer be exact', () => {
    expect(() => Money.of(Number.MAX_SAFE_INTEGER, 'USD').add(Money.of(1, 'USD'))).toThrow(
      refused('invalid_amount'),
    );
  });

  it.each([['US'], ['USDT'], ['U$D'], ['123'], [''], ['uß'], ['usı']])(
    'refuses %p as a currency',
    (currency) => {
      expect(() => Money.of(100, currency)).toThrow(refused('invalid_currency'));
    },
  );

  it('compares amounts of one currency', () => {
    const ten = Money.of(1000, 'SAR');
    expect(ten.compare(Money.of(999, 'SAR'))).toBe(1);
    expect(ten.compare(Money.of(1000, 'SAR'))).toBe(0);
    expect(ten.compare(Money.of(1001, 'SAR'))).toBe(-1);
    expect(Money.of(-1, 'SAR').isNegative()).toBe(true);
    expect(Money.zero('SAR').isNegative()).toBe(false);
  });

  it('equals the same amount in the same currency only', () => {
    expect(Money.of(100, 'usd').equals(Money.of(100, 'USD'))).toBe(true);
    expect(Money.of(100, 'USD').equals(Money.of(101, 'USD'))).toBe(false);
    expect(Money.of(100, 'USD').equals(Money.of(100, 'EUR'))).toBe(false);
  });

  it('has one zero: a negated zero equals zero', () => {
    const zero = Money.zero('USD');
    expect(zero.multiply(-1).equals(zero)).toBe(true);
    expect(Money.of(-0, 'USD').equals(zero)).toBe(true);
    expect(Money.of(-0, 'USD').isNegative()).toBe(false);
  });

  it('serialises as minor units and currency for the API', () => {
    expect(Money.of(12_550, 'kwd').toJSON()).toEqual({ amount_minor: 12_550, currency: 'KWD' });
    expect(JSON.parse(JSON.stringify({ price: Money.of(-75, 'EUR') }))).toEqual({
      price: { amount_minor: -75, currency: 'EUR' },
    });
  });
});

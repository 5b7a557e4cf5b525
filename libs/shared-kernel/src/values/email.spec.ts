import { ValidationError } from '../errors/domain-error';
import { Email } from './email';

const invalidEmail = expect.objectContaining({ code: 'validation', reason: 'invalid_email' });

describe('Email', () => {
  it('keeps a plain address as it is', () => {
    expect(Email.create('layla@example.com').value).toBe('layla@example.com');
  });

  it('trims and lower-cases, so one mailbox has one spelling', () => {
    const email = Email.create('  Layla.Haddad@Example.COM \n');
    expect(email.value).toBe('layla.haddad@example.com');
    expect(String(email)).toBe('layla.haddad@example.com');
    expect(email.equals(Email.create('layla.haddad@example.com'))).toBe(true);
  });

  it('accepts the forms real addresses take', () => {
    for (const address of [
      'first.last+tag@sub.example.co.uk',
      "o'brien@example.ie",
      'user_name-1@example-mail.com',
      '1234@example.io',
    ]) {
      expect(Email.create(address).value).toBe(address);
    }
  });

  it('accepts internationalised addresses (Arabic, accents) and lower-cases them too', () => {
    expect(Email.create('ليلى@مثال.السعودية').value).toBe('ليلى@مثال.السعودية');
    expect(Email.create('ÉLODIE@Exemple.FR').value).toBe('élodie@exemple.fr');
    expect(Email.create('Ünal@Örnek.com.tr').value).toBe('ünal@örnek.com.tr');
  });

  it('treats composed and decomposed accents as the same address', () => {
    const composed = Email.create('\u00e9lodie@exemple.fr');
    const decomposed = Email.create('e\u0301lodie@exemple.fr');
    expect(decomposed.value).toBe(composed.value);
    expect(decomposed.equals(composed)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['no @', 'layla.example.com'],
    ['two @', 'layla@home@example.com'],
    ['nothing before @', '@example.com'],
    ['nothing after @', 'layla@'],
    ['no dot in the domain', 'layla@localhost'],
    ['a space inside', 'layla haddad@example.com'],
    ['a non-breaking space inside', 'layla\u00a0haddad@example.com'],
    ['a line break inside (header injection)', 'layla@example.com\r\nBcc: x@evil.com'],
    ['a NUL character', 'layla\u0000@example.com'],
    ['another control character', 'lay\u0007la@example.com'],
    ['a lone surrogate', 'layla\ud800@example.com'],
    ['a display name', 'Layla <layla@example.com>'],
  ])('refuses an address with %s', (_label, raw) => {
    expect(() => Email.create(raw)).toThrow(ValidationError);
    expect(() => Email.create(raw)).toThrow(invalidEmail);
  });

  describe('length limits (RFC 5321, counted in UTF-8 octets)', () => {
    const domain = '@example.com'; // 12 octets

    it('accepts a local part of 64 octets and refuses 65', () => {
      expect(Email.create('a'.repeat(64) + domain).value).toHaveLength(76);
      expect(() => Email.create('a'.repeat(65) + domain)).toThrow(invalidEmail);
    });

    it('accepts a whole address of 254 octets and refuses 255', () => {
      const label = 'b'.repeat(60);
      // 64 + 1 + (60 + 1) * 3 + "cc.com" = 254
      const at254 = `${'a'.repeat(64)}@${label}.${label}.${label}.cc.com`;
      expect(at254).toHaveLength(254);
      expect(Email.create(at254).value).toBe(at254);
      expect(() => Email.create(`${'a'.repeat(64)}@${label}.${label}.${label}.ccc.com`)).toThrow(
        invalidEmail,
      );
    });

    it('measures the limits after trimming', () => {
      expect(() => Email.create(`   ${'a'.repeat(64)}${domain}   `)).not.toThrow();
    });

    it('counts a non-ASCII character by the octets it takes on the wire', () => {
      // "ل" is 2 octets in UTF-8: 32 of them fill the 64-octet local part exactly.
      expect(() => Email.create('ل'.repeat(32) + domain)).not.toThrow();
      expect(() => Email.create('ل'.repeat(33) + domain)).toThrow(invalidEmail);
    });
  });
});

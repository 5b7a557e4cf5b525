import { ValidationError } from '@ajla/shared-kernel';
import {
  MAX_JSON_DEPTH,
  UntrustedInputOptions,
  checkUntrustedInput,
  isStorableText,
} from './untrusted-input';

const body = { what: 'JSON body' };

function refusal(
  value: unknown,
  options: UntrustedInputOptions = body,
): { message: string; reason: string } | undefined {
  try {
    checkUntrustedInput(value, options);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const { message, reason } = error as ValidationError;
    return { message, reason };
  }
}

function nested(levels: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let level = 0; level < levels; level += 1) value = level % 2 ? [value] : { a: value };
  return value;
}

describe('checkUntrustedInput', () => {
  it('accepts ordinary bodies, Arabic and emoji included', () => {
    expect(
      refusal({
        email: 'layla@example.com',
        full_name: 'ليلى 👋🏽',
        preferences: { language: 'ar', tags: ['a', { b: [1, 2.5, null, true] }] },
      }),
    ).toBeUndefined();
    expect(refusal('just a string')).toBeUndefined();
    expect(refusal(null)).toBeUndefined();
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more`, () => {
    expect(refusal(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(refusal(nested(MAX_JSON_DEPTH + 1))).toEqual({
      message: `JSON body is nested too deeply (at most ${MAX_JSON_DEPTH} levels)`,
      reason: 'nested_too_deeply',
    });
  });

  it('walks a body nested 100 000 levels deep without overflowing the stack', () => {
    const text = `{"full_name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(refusal(JSON.parse(text))?.reason).toBe('nested_too_deeply');
    expect(refusal(nested(100_000), { what: 'query', maxDepth: 2 })?.message).toBe(
      'Query is nested too deeply (at most 2 levels)',
    );
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses the key %s at the top and at any depth, like an unknown field',
    (key) => {
      expect(refusal(JSON.parse(`{"email":"x@y.co","${key}":1}`))).toEqual({
        message: `property ${key} should not exist`,
        reason: 'validation',
      });
      expect(refusal(JSON.parse(`{"preferences":{"a":[{"${key}":{}}]}}`))).toEqual({
        message: `property preferences.a[0].${key} should not exist`,
        reason: 'validation',
      });
    },
  );

  it.each([
    ['NUL', 'x\u0000'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00'],
    ['a pair in the wrong order', '\udc00\ud800'],
  ])('refuses %s in any string, naming where it is', (_label, text) => {
    expect(refusal({ full_name: text })).toEqual({
      message: 'full_name contains characters that cannot be stored',
      reason: 'unstorable_text',
    });
    expect(refusal({ preferences: { list: [1, text] } })?.message).toBe(
      'preferences.list[1] contains characters that cannot be stored',
    );
    expect(refusal(text)?.message).toBe('the JSON body contains characters that cannot be stored');
  });

  it('refuses such characters in a key without echoing the key', () => {
    expect(refusal({ preferences: { 'a\u0000b': 1 } })).toEqual({
      message: 'a key in preferences contains characters that cannot be stored',
      reason: 'unstorable_text',
    });
    expect(refusal({ '\ud800': 1 })?.message).toBe(
      'a key in the JSON body contains characters that cannot be stored',
    );
    expect(refusal({ preferences: { 'my key': ['\u0000'] } })?.message).toBe(
      'preferences.*[0] contains characters that cannot be stored',
    );
  });

  it('refuses numbers JSON.parse made infinite', () => {
    expect(refusal(JSON.parse('{"preferences":{"n":1e400}}'))).toEqual({
      message: 'preferences.n is out of range',
      reason: 'validation',
    });
  });

  it('checks parsed query strings the same way', () => {
    const query = { page: '1', q: ['a', 'b\u0000'] };
    expect(refusal(query, { what: 'query' })?.message).toBe(
      'q[1] contains characters that cannot be stored',
    );
    const poisoned = Object.assign(Object.create(null) as object, { constructor: '1' });
    expect(refusal(poisoned, { what: 'query' })?.message).toBe(
      'property constructor should not exist',
    );
  });
});

describe('isStorableText', () => {
  it('takes well-formed text and refuses NUL and unpaired surrogates', () => {
    expect(isStorableText('😀 مرحبا \t\n')).toBe(true);
    expect(isStorableText('\u0000')).toBe(false);
    expect(isStorableText('\ud83d')).toBe(false);
  });
});

import { ValidationError } from '../errors/domain-error';
import { MessageContent } from './message-content';

const refused = (reason: string) => expect.objectContaining({ code: 'validation', reason });

describe('MessageContent', () => {
  it('keeps the text the sender wrote', () => {
    expect(MessageContent.create('Can you book a table for two at 8?').value).toBe(
      'Can you book a table for two at 8?',
    );
  });

  it('trims surrounding white space and keeps the lines inside', () => {
    expect(MessageContent.create('  \n Hello,\n\nsee you at 8.\t \n').value).toBe(
      'Hello,\n\nsee you at 8.',
    );
  });

  it.each([
    ['empty', ''],
    ['only spaces', '     '],
    ['only line breaks and tabs', '\n\r\n\t'],
    ['only Unicode spaces', '\u00a0\u3000\u2003'],
  ])('refuses a message that is %s', (_label, raw) => {
    expect(() => MessageContent.create(raw)).toThrow(ValidationError);
    expect(() => MessageContent.create(raw)).toThrow(refused('empty_content'));
  });

  it('keeps Arabic and emoji exactly as written', () => {
    const text = 'مرحبا، أريد حجز طاولة 🍽️ لشخصين 👍🏽';
    expect(MessageContent.create(text).value).toBe(text);
  });

  it(`accepts ${MessageContent.MAX_LENGTH} characters and refuses one more`, () => {
    expect(MessageContent.MAX_LENGTH).toBe(4000);
    expect(MessageContent.create('a'.repeat(4000)).value).toHaveLength(4000);
    expect(() => MessageContent.create('a'.repeat(4001))).toThrow(refused('content_too_long'));
  });

  it('counts an emoji as one character, though JavaScript stores it as two', () => {
    const emoji = '😀'.repeat(4000);
    expect(emoji.length).toBe(8000);
    expect(MessageContent.create(emoji).value).toBe(emoji);
    expect(() => MessageContent.create('😀'.repeat(4001))).toThrow(refused('content_too_long'));
  });

  it('counts Arabic letters one by one', () => {
    expect(MessageContent.create('م'.repeat(4000)).value).toHaveLength(4000);
    expect(() => MessageContent.create('م'.repeat(4001))).toThrow(refused('content_too_long'));
  });

  it('counts a mixed text of exactly 4000 characters as fitting', () => {
    const text = 'سلام 👋 hi '.repeat(400).trim(); // 10 characters, 400 times, minus the last space
    expect([...text].length).toBe(3999);
    expect(() => MessageContent.create(text + 'x')).not.toThrow();
    expect(() => MessageContent.create(text + 'xy')).toThrow(refused('content_too_long'));
  });

  it('measures the length after trimming', () => {
    expect(() => MessageContent.create(`  ${'a'.repeat(4000)}\n\n`)).not.toThrow();
  });

  it.each([
    ['a NUL character', 'hello\u0000world'],
    ['a lone surrogate', 'broken \ud83d emoji'],
  ])('refuses text that cannot be stored: %s', (_label, raw) => {
    expect(() => MessageContent.create(raw)).toThrow(refused('invalid_content'));
  });

  it('compares by text', () => {
    expect(MessageContent.create('hi').equals(MessageContent.create(' hi '))).toBe(true);
    expect(MessageContent.create('hi').equals(MessageContent.create('Hi'))).toBe(false);
  });
});

import { FrameError, parseTypedFrame } from '@ajla/platform';
import { chatFrame, type ChatFrameType } from './chat-frames';

/** What the adapter and the gateway's handler make of a text frame, together. */
function parse(text: string): Record<string, unknown> {
  const frame = parseTypedFrame(text, new Set(Object.keys(chatFrame)));
  return { type: frame.type, ...chatFrame[frame.type as ChatFrameType](frame) };
}

const code = (text: string) => {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(FrameError);
    return (error as FrameError).code;
  }
  return undefined;
};

describe('chat frames', () => {
  it('refuses a frame nested too deeply', () => {
    const deep = `{"type":"ping","pad":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(code(deep)).toBe('nested_too_deeply');
  });

  it('names the field that holds text Postgres cannot store', () => {
    expect(() => parse('{"type":"message.send","content":"\\u0000"}')).toThrow(
      'content contains characters that cannot be stored',
    );
  });

  const clientId = '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a0b';

  it('reads the four client frames', () => {
    expect(
      parse(JSON.stringify({ type: 'message.send', content: 'hi', client_id: clientId })),
    ).toEqual({ type: 'message.send', content: 'hi', client_id: clientId });
    expect(parse('{"type":"message.send","content":"hi"}')).toEqual({
      type: 'message.send',
      content: 'hi',
      client_id: null,
    });
    expect(parse('{"type":"typing","is_typing":false}')).toEqual({
      type: 'typing',
      is_typing: false,
    });
    expect(parse('{"type":"read","seq":12}')).toEqual({ type: 'read', seq: 12 });
    expect(parse('{"type":"ping"}')).toEqual({ type: 'ping' });
  });

  it.each([
    ['{', 'malformed_json'],
    ['"ping"', 'invalid_frame'],
    ['null', 'invalid_frame'],
    ['[]', 'invalid_frame'],
    ['{"kind":"ping"}', 'invalid_frame'],
    ['{"type":"shout"}', 'unknown_type'],
    ['{"type":"toString"}', 'unknown_type'],
    ['{"type":"ping","extra":1}', 'invalid_frame'],
    ['{"type":"message.send"}', 'invalid_frame'],
    ['{"type":"message.send","content":"x","client_id":"abc"}', 'invalid_frame'],
    ['{"type":"typing"}', 'invalid_frame'],
    ['{"type":"read","seq":"3"}', 'invalid_frame'],
    ['{"type":"read","seq":-1}', 'invalid_frame'],
    ['{"type":"read","seq":1e400}', 'invalid_frame'],
    ['{"type":"message.send","content":"a\\u0000b"}', 'unstorable_text'],
    ['{"type":"message.send","content":"a\\ud800b"}', 'unstorable_text'],
    ['{"type":"ping","constructor":1}', 'invalid_frame'],
    ['{"type":"ping","__proto__":{}}', 'invalid_frame'],
  ])('refuses %s with %s', (text, expected) => {
    expect(code(text)).toBe(expected);
  });
});

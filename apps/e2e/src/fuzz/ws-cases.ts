import fc from 'fast-check';
import {
  RawJson,
  deepArray,
  deepObject,
  encodeLoose,
  hostileString,
  hostileText,
  idField,
  objectOf,
  pathSegmentHostile,
  sometimes,
  stringField,
  toJsonText,
  variant,
  wrongType,
  type CaseContext,
  type Variant,
} from './values';
import { BAD_CALLERS, SESSION_CALLERS, type CallerKind, type SessionCaller } from './world';

/** Frames of up to 16 KiB are never "oversized" (API.md): only larger ones may close with 1009. */
export const NEVER_OVERSIZED_BYTES = 16 * 1024;

/** One client frame and the close codes it may legitimately cause beyond 1009 for its size. */
export interface FrameCase {
  tags: string[];
  /** `flood` sends the frame this many times at once (abuse: 1008 allowed). */
  repeat: number;
  binary: boolean;
  /** Close codes this frame may cause whatever its size (1007 for invalid UTF-8, 1008 for a flood). */
  mayClose: number[];
  make(ctx: CaseContext): string | Buffer;
}

const frame = (
  tag: string,
  make: (ctx: CaseContext) => string | Buffer,
  extra: Partial<FrameCase> = {},
): FrameCase => ({
  tags: [tag],
  repeat: 1,
  binary: false,
  mayClose: [],
  make,
  ...extra,
});

const json = (value: unknown) => toJsonText(value);

const seqValues: fc.Arbitrary<Variant> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => variant('valid', () => n)) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<Variant>(
      ...(
        [
          ['0', 0],
          ['-1', -1],
          ['2^31-1', 2 ** 31 - 1],
          ['2^31', 2 ** 31],
          ['2^32', 2 ** 32],
          ['2^53-1', Number.MAX_SAFE_INTEGER],
          ['2^53+1', new RawJson('9007199254740993')],
          ['1e400', new RawJson('1e400')],
          ['-1e400', new RawJson('-1e400')],
          ['1.5', 1.5],
          ['-0', new RawJson('-0')],
          ['1e-400', new RawJson('1e-400')],
          ['string', '1'],
          ['beyond-last', 1000],
        ] as [string, unknown][]
      ).map(([tag, v]) => variant(`boundary:${tag}`, () => v)),
    ),
  },
  { weight: 1, arbitrary: wrongType },
);

const clientIdValues: fc.Arbitrary<Variant | null> = fc.oneof(
  { weight: 5, arbitrary: fc.uuid().map((u) => variant('valid', () => u)) },
  {
    weight: 1,
    arbitrary: fc.constant(variant('valid:reused', () => '0190c0de-0000-7000-8000-00000000f0ff')),
  },
  { weight: 1, arbitrary: fc.constant(variant('valid:null', () => null)) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: idField('none') },
);

const validFrames: fc.Arbitrary<FrameCase> = fc.oneof(
  fc
    .record({ text: fc.string({ unit: 'grapheme', maxLength: 40 }), id: fc.uuid() })
    .map(({ text, id }) =>
      frame('valid:message.send', (c) =>
        json({ type: 'message.send', content: `${c.marker} ${text}`, client_id: id }),
      ),
    ),
  fc.boolean().map((b) => frame('valid:typing', () => json({ type: 'typing', is_typing: b }))),
  fc
    .integer({ min: 1, max: 3 })
    .map((n) => frame('valid:read', () => json({ type: 'read', seq: n }))),
  fc.constant(frame('valid:ping', () => json({ type: 'ping' }))),
);

const fieldFrames: fc.Arbitrary<FrameCase> = fc.oneof(
  fc.record({ content: stringField(1, 4000), id: clientIdValues }).map(({ content, id }) => ({
    ...frame(`message.send.content.${content.tag}`, (c) =>
      json(
        objectOf([
          ['type', 'message.send'],
          ['content', content.make(c)],
          ...(id ? ([['client_id', id.make(c)]] as [string, unknown][]) : []),
        ]),
      ),
    ),
    tags: [`message.send.content.${content.tag}`, `message.send.client_id.${id?.tag ?? 'absent'}`],
  })),
  seqValues.map((seq) =>
    frame(`read.seq.${seq.tag}`, (c) => json({ type: 'read', seq: seq.make(c) })),
  ),
  fc
    .oneof(
      fc.constantFrom<Variant>(
        variant('boundary:string', () => 'true'),
        variant('boundary:one', () => 1),
      ),
      wrongType,
    )
    .map((v) =>
      frame(`typing.is_typing.${v.tag}`, (c) => json({ type: 'typing', is_typing: v.make(c) })),
    ),
);

const hostileFrames: fc.Arbitrary<FrameCase> = fc.oneof(
  fc.constantFrom<FrameCase>(
    frame('hostile:unknown-type', (c) => json({ type: c.marker })),
    frame('hostile:no-type', (c) => json({ content: c.marker })),
    frame('hostile:type-number', () => json({ type: 1 })),
    frame('hostile:type-long', (c) => json({ type: `${c.marker}${'t'.repeat(5000)}` })),
    frame('hostile:unknown-key', (c) => json({ type: 'ping', [`${c.marker}_x`]: 1 })),
    frame('hostile:__proto__', (c) =>
      json(
        objectOf([
          ['type', 'message.send'],
          ['content', `${c.marker} proto`],
          ['__proto__', { type: 'ping' }],
        ]),
      ),
    ),
    frame('hostile:constructor', (c) =>
      json(
        objectOf([
          ['type', 'typing'],
          ['is_typing', true],
          ['constructor', { prototype: { x: c.marker } }],
        ]),
      ),
    ),
    frame('hostile:prototype-type', () => json({ type: '__proto__' })),
    frame('hostile:constructor-type', () => json({ type: 'constructor' })),
    frame('hostile:toString-type', () => json({ type: 'toString' })),
    frame(
      'hostile:duplicate-type',
      (c) => `{"type":"ping","type":"message.send","content":"${c.marker}"}`,
    ),
    frame('not-json:text', (c) => `hello ${c.marker}`),
    frame('not-json:empty', () => ''),
    frame('not-json:truncated', (c) => `{"type":"message.send","content":"${c.marker}`),
    frame(
      'not-json:lone-surrogate-escape',
      (c) => `{"type":"message.send","content":"${c.marker}\\ud800"}`,
    ),
    frame('not-json:nul-escape', (c) => `{"type":"message.send","content":"${c.marker}\\u0000"}`),
    frame('not-object:array', () => '[{"type":"ping"}]'),
    frame('not-object:string', () => '"ping"'),
    frame('not-object:null', () => 'null'),
    frame('not-object:number', () => '1e400'),
    frame('deep:array-2000', () => deepArray(2000).text),
    frame('deep:array-8000', () => deepArray(8000).text),
    frame('deep:object-2000', () => deepObject(2000).text),
    frame(
      'deep:in-content-3000',
      () => `{"type":"message.send","content":${deepArray(3000).text}}`,
    ),
    frame(
      'binary:bytes',
      (c) => Buffer.concat([Buffer.from(c.marker), Buffer.from([0, 255, 254, 1])]),
      { binary: true },
    ),
    frame('binary:json', () => Buffer.from('{"type":"ping"}'), { binary: true }),
    frame('invalid-utf8:text', () => Buffer.from([0x7b, 0xff, 0xfe, 0xc0, 0x7d]), {
      mayClose: [1007],
    }),
    frame('size:16KiB', (c) =>
      json({
        type: 'message.send',
        content: `${c.marker} ${'s'.repeat(NEVER_OVERSIZED_BYTES - 60)}`,
      }),
    ),
    frame('size:70KiB', (c) =>
      json({ type: 'message.send', content: `${c.marker} ${'s'.repeat(70 * 1024)}` }),
    ),
    frame('size:1.5MiB', (c) =>
      json({ type: 'message.send', content: `${c.marker} ${'s'.repeat(1536 * 1024)}` }),
    ),
    frame('flood:300-pings', () => json({ type: 'ping' }), { repeat: 300, mayClose: [1008] }),
  ),
  hostileString.map((s) =>
    frame(`message.send.content.${s.tag}`, (c) =>
      json({ type: 'message.send', content: s.make(c) }),
    ),
  ),
);

export const frameCaseArb: fc.Arbitrary<FrameCase> = fc.oneof(
  { weight: 4, arbitrary: validFrames },
  { weight: 3, arbitrary: fieldFrames },
  { weight: 3, arbitrary: hostileFrames },
);

/** Frames for a socket whose protocol we know nothing of (the notifications socket). */
export const genericFrameArb: fc.Arbitrary<FrameCase> = hostileFrames;

/** How a handshake carries its token. */
type TokenPlace = 'query' | 'subprotocol' | 'encoded-name' | 'access_token' | 'header' | 'none';

export interface HandshakeCase {
  caller: CallerKind;
  tags: string[];
  place: TokenPlace;
  /** The case asks for something the caller may not have (another client's conversation). */
  forbidden: (ctx: CaseContext) => boolean;
  make(ctx: CaseContext): { path: string; protocols?: string[]; headers?: Record<string, string> };
}

const afterSeqValues: fc.Arbitrary<Variant<string> | null> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 4 }).map((n) => variant('valid', () => String(n))),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      ...[
        '-1',
        '',
        'abc',
        '1.5',
        '1e3',
        ' 1',
        '+1',
        '01',
        '٣',
        '2147483647',
        '2147483648',
        '4294967296',
        '9999999999',
        '10000000000',
        '9007199254740993',
        '1e400',
        '%00',
        '%E0%A4%A',
      ].map((s) => variant(`boundary:${JSON.stringify(s)}`, () => s)),
    ),
  },
  { weight: 1, arbitrary: hostileText.map((v) => variant(v.tag, (c) => encodeLoose(v.make(c)))) },
);

const tokenPlaceArb: fc.Arbitrary<TokenPlace> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<TokenPlace>('query') },
  { weight: 3, arbitrary: fc.constant<TokenPlace>('subprotocol') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<TokenPlace>('encoded-name', 'access_token', 'header', 'none'),
  },
);

const handshakeCallerArb: fc.Arbitrary<CallerKind> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<CallerKind>(...SESSION_CALLERS) },
  { weight: 1, arbitrary: fc.constantFrom<CallerKind>(...BAD_CALLERS) },
);

function tokenParts(place: TokenPlace, token: string | undefined) {
  if (token === undefined || place === 'none') return { query: [] as string[] };
  switch (place) {
    case 'query':
      return { query: [`token=${encodeLoose(token)}`] };
    case 'encoded-name':
      return { query: [`%74oken=${encodeLoose(token)}`] };
    case 'access_token':
      return { query: [`access_token=${encodeLoose(token)}`] };
    case 'subprotocol':
      return { query: [], protocols: ['bearer', token] };
    case 'header':
      return { query: [], headers: { authorization: `Bearer ${token}` } };
  }
}

export const chatHandshakeArb: fc.Arbitrary<HandshakeCase> = fc
  .record({
    caller: handshakeCallerArb,
    place: tokenPlaceArb,
    conversation: fc.oneof(
      { weight: 9, arbitrary: idField('conversation') },
      { weight: 1, arbitrary: pathSegmentHostile },
    ),
    afterSeq: afterSeqValues,
    extra: sometimes(
      fc.constantFrom<Variant<string>>(
        variant('extra:repeated-after_seq', () => 'after_seq=1&after_seq=2'),
        variant('extra:unknown', (c) => `fuzz=${c.marker}`),
        variant('extra:repeated-token', () => 'token=garbage'),
      ),
      8,
    ),
  })
  .map(({ caller, place, conversation, afterSeq, extra }) => ({
    caller,
    place,
    tags: [
      `caller:${caller}`,
      `token:${place}`,
      `conversation.${conversation.tag}`,
      `after_seq.${afterSeq?.tag ?? 'absent'}`,
      ...(extra ? [extra.tag] : []),
    ],
    forbidden: (c: CaseContext) =>
      conversation.tag === 'id:theirs' && (c.caller === 'client' || c.caller === 'other_client'),
    make: (c: CaseContext) => {
      const value = String(conversation.make(c));
      const id = conversation.tag.startsWith('path:') ? value : encodeLoose(value);
      const parts = tokenParts(place, c.world.token(caller));
      const query = [...parts.query];
      if (afterSeq) query.push(`after_seq=${afterSeq.make(c)}`);
      if (extra) query.push(extra.make(c));
      return {
        path: `/ws/chat/${id}${query.length ? `?${query.join('&')}` : ''}`,
        protocols: parts.protocols,
        headers: parts.headers,
      };
    },
  }));

export const notificationHandshakeArb: fc.Arbitrary<HandshakeCase> = fc
  .record({
    caller: handshakeCallerArb,
    place: tokenPlaceArb,
    after: sometimes(fc.oneof(idField('none'), pathSegmentHostile), 1),
  })
  .map(({ caller, place, after }) => ({
    caller,
    place,
    tags: [`caller:${caller}`, `token:${place}`, `after.${after?.tag ?? 'absent'}`],
    forbidden: () => false,
    make: (c: CaseContext) => {
      const parts = tokenParts(place, c.world.token(caller));
      const query = [...parts.query];
      if (after) {
        const value = String(after.make(c));
        query.push(`after=${after.tag.startsWith('path:') ? value : encodeLoose(value)}`);
      }
      return {
        path: `/ws/notifications${query.length ? `?${query.join('&')}` : ''}`,
        protocols: parts.protocols,
        headers: parts.headers,
      };
    },
  }));

export type { SessionCaller };

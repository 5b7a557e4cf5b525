import fc from 'fast-check';
import type { IdPool, World } from './world';

export type { IdPool };

/**
 * Values are generated as recipes: fast-check draws the choices (so a seed replays them), and a
 * recipe becomes the value only when its case runs, with the case's marker and the ids and tokens
 * of the running platform (they differ from run to run, the choices do not).
 */
export interface CaseContext {
  /** Put into every string the case sends, so the database scan can tell whether it was kept. */
  marker: string;
  world: World;
  /** Whose case it is: `client` or `other_client` pick their own resources as "mine". */
  caller: string;
}
export type Recipe<T = unknown> = (ctx: CaseContext) => T;

/** A value and what kind of value it is (`valid`, `boundary:max+1`, `hostile:nul`...). */
export interface Variant<T = unknown> {
  tag: string;
  make: Recipe<T>;
  /** Why API.md says a request carrying this value is a 400 ("a value out of range"), if it is. */
  refuse?: string;
}

/** JSON text written as-is where a value goes: numbers JSON.stringify cannot write, deep nesting. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** `arb` in `present` cases of `absent + present`, null in the others. */
export function sometimes<T>(
  arb: fc.Arbitrary<T>,
  absent: number,
  present = 1,
): fc.Arbitrary<T | null> {
  return fc.oneof(
    { weight: absent, arbitrary: fc.constant(null) },
    { weight: present, arbitrary: arb },
  );
}

export const variant = <T>(tag: string, make: Recipe<T>): Variant<T> => ({ tag, make });
const fixed = <T>(tag: string, value: T): Variant<T> => variant(tag, () => value);

/** JSON text of a recipe's value: RawJson verbatim, keys such as `__proto__` kept as own keys. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** An object with exactly these own entries (duplicates and `__proto__` included). */
export function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

/** `text` padded (or cut) to `length` UTF-16 units with the marker first. */
export function marked(marker: string, length: number, fill = 'a'): string {
  const base = `${marker} `;
  if (length <= base.length) return base.slice(0, Math.max(0, length));
  return base + fill.repeat(length - base.length);
}

/**
 * encodeURIComponent that also takes lone surrogates (written as their WTF-8 bytes, which no
 * UTF-8 decoder accepts: exactly the hostile input meant).
 */
export function encodeLoose(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text.replace(/[\s\S]/gu, (ch) => {
      const code = ch.codePointAt(0)!;
      if (code < 0xd800 || code > 0xdfff) return encodeURIComponent(ch);
      return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    });
  }
}

export const deepArray = (depth: number) => new RawJson('['.repeat(depth) + ']'.repeat(depth));
export const deepObject = (depth: number) =>
  new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));

const HOSTILE_TEXT: [string, (m: string) => string][] = [
  ['nul', (m) => `${m}\u0000tail`],
  ['lone-high-surrogate', (m) => `${m}\ud800tail`],
  ['lone-low-surrogate', (m) => `${m}\udc00`],
  ['controls', (m) => `${m}\u0001\u0008\u001b[31m\u007f`],
  ['crlf', (m) => `${m}\r\nX-Injected: yes\r\n`],
  ['bidi-zero-width', (m) => `${m}\u202e\u200b\u2066\ufeff`],
  ['sql', (m) => `${m}' OR '1'='1'; DROP TABLE users; --`],
  ['html', (m) => `<script>alert("${m}")</script><img src=x onerror=1>`],
  ['format', (m) => `${m}%s%n%x%d{0}\${7*7}{{7*7}}`],
  ['path', (m) => `../../${m}/../etc/passwd%00`],
  ['jndi', (m) => `\${jndi:ldap://${m}.invalid/a}`],
  ['unicode', (m) => `${m} ﷽ 𝕏 é e\u0301 ﬁ ١٢٣ 😀👩‍👩‍👧`],
  ['json-in-string', (m) => `{"__proto__":{"admin":true},"x":"${m}"}`],
  ['backslashes', (m) => `${m}\\u0000\\ud800\\"`],
  ['percent', (m) => `${m}%E0%A4%A%ZZ%`],
];

/** Strings meant to break things, each carrying the marker (short enough for a URL). */
export const hostileText: fc.Arbitrary<Variant<string>> = fc.oneof(
  fc.constantFrom(...HOSTILE_TEXT.map(([tag, f]) => variant(`hostile:${tag}`, (c) => f(c.marker)))),
  fc
    .string({ unit: 'binary', maxLength: 60 })
    .map((s) => variant('hostile:random-unicode', (c) => `${c.marker}${s}`)),
);

/** Hostile strings for bodies and frames: those above, and huge ones. */
export const hostileString: fc.Arbitrary<Variant<string>> = fc.oneof(
  { weight: 6, arbitrary: hostileText },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(100_000, 900_000)
      .map((n) => variant(`hostile:huge-${n}`, (c) => marked(c.marker, n))),
  },
);

/** Values of the wrong JSON type for a field. */
export const wrongType: fc.Arbitrary<Variant> = fc.constantFrom<Variant>(
  fixed('wrong-type:number', 42),
  fixed('wrong-type:true', true),
  fixed('wrong-type:null', null),
  fixed('wrong-type:empty-array', []),
  fixed('wrong-type:empty-object', {}),
  variant('wrong-type:array', (c) => [c.marker]),
  variant('wrong-type:object', (c) => ({ value: c.marker })),
  fixed('wrong-type:2^53+1', new RawJson('9007199254740993')),
  fixed('wrong-type:1e400', new RawJson('1e400')),
  fixed('wrong-type:deep-array-2000', deepArray(2000)),
);

/** Numbers at and beyond the edges of an integer field (and ones no integer field takes). */
export function boundaryNumbers(min?: number, max?: number): Variant[] {
  const list: Variant[] = [
    fixed('boundary:0', 0),
    fixed('boundary:-1', -1),
    fixed('boundary:2^31-1', 2 ** 31 - 1),
    fixed('boundary:2^31', 2 ** 31),
    fixed('boundary:-2^31-1', -(2 ** 31) - 1),
    fixed('boundary:2^53+1', new RawJson('9007199254740993')),
    fixed('boundary:1e400', new RawJson('1e400')),
    fixed('boundary:-1e400', new RawJson('-1e400')),
    fixed('boundary:1e-400', new RawJson('1e-400')),
    fixed('boundary:-0', new RawJson('-0')),
    fixed('boundary:1.5', 1.5),
    fixed('boundary:huge-digits', new RawJson('9'.repeat(400))),
    fixed('boundary:string-number', '1'),
  ];
  if (min !== undefined) list.push(fixed('boundary:min', min), fixed('boundary:min-1', min - 1));
  if (max !== undefined) list.push(fixed('boundary:max', max), fixed('boundary:max+1', max + 1));
  return list;
}

/** Query-string values (text) for an integer parameter. */
export function queryNumbers(min?: number, max?: number): fc.Arbitrary<Variant<string>> {
  const lo = min ?? 0;
  const hi = max ?? lo + 1000;
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.integer({ min: lo, max: hi }).map((n) => fixed('valid', String(n))),
    },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        ...[
          '0',
          '-1',
          String(lo),
          String(lo - 1),
          String(hi),
          String(hi + 1),
          '2147483647',
          '2147483648',
          '-2147483649',
          '9007199254740993',
          '1e400',
          '1e3',
          '1.5',
          '0x10',
          ' 1',
          '1 ',
          '+1',
          '-0',
          '٣',
          'NaN',
          'Infinity',
          '',
          '9'.repeat(400),
        ].map((s) => ({
          ...fixed(`boundary:${s.length > 20 ? 'long-digits' : JSON.stringify(s)}`, s),
          refuse:
            /^-?\d+$/.test(s) &&
            ((min !== undefined && Number(s) < min) || (max !== undefined && Number(s) > max))
              ? `${s} is out of ${min ?? '…'}..${max ?? '…'}`
              : undefined,
        })),
      ),
    },
    { weight: 2, arbitrary: hostileText },
  );
}

/** A string field with a length range (after trimming, counted in code points per API.md). */
export function stringField(minLength = 0, maxLength = 10_000): fc.Arbitrary<Variant> {
  const valid = fc.oneof(
    fc
      .string({ unit: 'grapheme', maxLength: 30 })
      .map((s) => variant('valid', (c) => `${c.marker} ${s}`.slice(0, maxLength))),
    fc.constant(variant('valid:max', (c) => marked(c.marker, maxLength))),
  );
  const boundary = fc.constantFrom<Variant>(
    variant('boundary:max+1', (c) => marked(c.marker, maxLength + 1)),
    variant('boundary:max-astral', (c) =>
      marked(c.marker, maxLength - 4, '😀').slice(0, maxLength * 2),
    ),
    variant('boundary:max+1-astral', (c) => `${c.marker} ${'😀'.repeat(maxLength)}`),
    variant('boundary:max-padded', (c) => `  ${marked(c.marker, maxLength)}\n\t `),
    fixed('boundary:empty', ''),
    fixed('boundary:blank', ' \t\n\u00a0\u3000 '),
    ...(minLength > 1
      ? [variant('boundary:min-1', (c: CaseContext) => marked(c.marker, minLength - 1))]
      : []),
  );
  return fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 2, arbitrary: boundary },
    { weight: 2, arbitrary: hostileString },
    { weight: 1, arbitrary: wrongType },
  );
}

export function enumField(values: unknown[]): fc.Arbitrary<Variant> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...values).map((v) => fixed('valid', v)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<Variant>(
        ...values
          .filter((v): v is string => typeof v === 'string')
          .flatMap((v) => [
            fixed('boundary:enum-upper', v.toUpperCase()),
            fixed('boundary:enum-padded', ` ${v} `),
          ]),
        ...values
          .filter((v): v is number => typeof v === 'number')
          .flatMap((v) => [
            fixed('boundary:enum-as-string', String(v)),
            fixed('boundary:enum+1', v + 1),
            fixed('boundary:enum+0.5', v + 0.5),
          ]),
        { ...variant('boundary:not-in-enum', (c) => c.marker), refuse: 'not one of its values' },
        fixed('boundary:empty', ''),
      ),
    },
    { weight: 1, arbitrary: hostileString },
    { weight: 1, arbitrary: wrongType },
  );
}

export function integerField(min?: number, max?: number): fc.Arbitrary<Variant> {
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .integer({ min: min ?? 0, max: max ?? (min ?? 0) + 1000 })
        .map((n) => fixed('valid', n)),
    },
    { weight: 3, arbitrary: fc.constantFrom(...boundaryNumbers(min, max)) },
    { weight: 1, arbitrary: wrongType },
  );
}

export const booleanField: fc.Arbitrary<Variant> = fc.oneof(
  { weight: 5, arbitrary: fc.boolean().map((b) => fixed('valid', b)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Variant>(
      fixed('boundary:string-true', 'true'),
      fixed('boundary:one', 1),
      fixed('boundary:zero', 0),
    ),
  },
  { weight: 1, arbitrary: wrongType },
);

/** A UUID path or body value: mine, someone else's, random, or not a UUID at all. */
export function idField(pool: IdPool): fc.Arbitrary<Variant<unknown>> {
  const fromPool = (which: 'mine' | 'theirs') =>
    fc.nat().map((n) =>
      variant(`id:${which}`, (c) => {
        const ids = c.world.idsOf(pool, which, c.caller);
        return ids.length > 0 ? ids[n % ids.length] : c.world.randomId(n);
      }),
    );
  return fc.oneof(
    { weight: 5, arbitrary: fromPool('mine') },
    { weight: 2, arbitrary: fromPool('theirs') },
    { weight: 2, arbitrary: fc.uuid().map((u) => fixed('id:random', u)) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<Variant>(
        fixed('id:nil', '00000000-0000-0000-0000-000000000000'),
        fixed('id:max', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
        variant('id:upper', (c) =>
          (c.world.idsOf(pool, 'mine', c.caller)[0] ?? c.world.randomId(0)).toUpperCase(),
        ),
        variant(
          'id:braces',
          (c) => `{${c.world.idsOf(pool, 'mine', c.caller)[0] ?? c.world.randomId(1)}}`,
        ),
        variant('id:no-dashes', (c) =>
          (c.world.idsOf(pool, 'mine', c.caller)[0] ?? c.world.randomId(2)).replace(/-/g, ''),
        ),
        variant(
          'id:padded',
          (c) => ` ${c.world.idsOf(pool, 'mine', c.caller)[0] ?? c.world.randomId(3)} `,
        ),
        variant('id:marker', (c) => c.marker),
        fixed('id:empty', ''),
        fixed('id:sql', "1' OR '1'='1"),
        fixed('id:long', 'a'.repeat(10_000)),
      ),
    },
    { weight: 1, arbitrary: hostileText },
    { weight: 1, arbitrary: wrongType },
  );
}

/** Text of a path segment (percent-encoded unless the variant is about the encoding itself). */
export const pathSegmentHostile: fc.Arbitrary<Variant<string>> = fc.constantFrom(
  fixed('path:malformed-percent', '%E0%A4%A'),
  fixed('path:bad-percent', '%ZZ'),
  fixed('path:lone-percent', '%'),
  fixed('path:encoded-nul', '%00'),
  fixed('path:encoded-slash', '..%2F..%2Fhealth'),
  fixed('path:dot-dot', '..'),
  fixed('path:encoded-surrogate', '%ED%A0%80'),
  fixed('path:overlong-utf8', '%C0%AE%C0%AE'),
  fixed('path:double-encoded', '%2525'),
  variant('path:long-8k', (c) => marked(c.marker, 8_000)),
  variant('path:long-70k', (c) => marked(c.marker, 70_000)),
);

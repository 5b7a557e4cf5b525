import fc from 'fast-check';
import type { Operation, Parameter, Schema } from './openapi';
import {
  RawJson,
  booleanField,
  deepArray,
  deepObject,
  encodeLoose,
  enumField,
  hostileString,
  hostileText,
  idField,
  integerField,
  marked,
  objectOf,
  pathSegmentHostile,
  sometimes,
  queryNumbers,
  stringField,
  toJsonText,
  variant,
  wrongType,
  type CaseContext,
  type IdPool,
  type Recipe,
  type Variant,
} from './values';
import { BAD_CALLERS, SESSION_CALLERS, type CallerKind } from './world';

/** One HTTP request as sent, and what the report shows of it. */
export interface BuiltRequest {
  method: string;
  /** Path and query, as sent to the gateway. */
  target: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** The password the body carries (recorded for the log audit when the platform took it). */
  password?: string;
}

export interface HttpCase {
  /** `METHOD /template` of the operation (or of the synthetic case). */
  operation: string;
  caller: CallerKind;
  /** What kind of values the case holds, for grouping failures. */
  tags: string[];
  /** Why API.md says the case must be refused (400), if it must: then a 2xx is a failure. */
  mustRefuse?: string;
  build: Recipe<BuiltRequest>;
  /** What is wrong with a 2xx answer's body for this caller, if anything (e.g. a leak). */
  checkAnswer?: (body: unknown, ctx: CaseContext) => string | undefined;
}

const callerArb: fc.Arbitrary<CallerKind> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom<CallerKind>(...SESSION_CALLERS) },
  { weight: 3, arbitrary: fc.constantFrom<CallerKind>(...BAD_CALLERS) },
);

/** Every case: an operation of the document with generated parameters and body, or a synthetic one. */
export function httpCaseArb(operations: Operation[]): fc.Arbitrary<HttpCase> {
  return fc.oneof(
    { weight: 19, arbitrary: fc.oneof(...operations.map(operationCaseArb)) },
    { weight: 1, arbitrary: syntheticCaseArb(operations) },
  );
}

function operationCaseArb(op: Operation): fc.Arbitrary<HttpCase> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  return fc
    .record({
      caller: callerArb,
      path: fc.tuple(...pathParams.map((p) => pathParamArb(op, p))),
      query: fc.tuple(...queryParams.map(queryParamArb)),
      queryExtra: sometimes(queryMutationArb, 12),
      body: op.body ? bodyArb(op, op.body) : fc.constant(undefined),
    })
    .map(({ caller, path, query, queryExtra, body }) => {
      const tags = [
        ...path.map((v) => `path.${v.tag}`),
        ...query.flatMap((q) => (q ? [`query.${q.name}.${q.variant.tag}`] : [])),
        ...(queryExtra ? [`query.${queryExtra.tag}`] : []),
        ...(body?.tags ?? []),
        `caller:${caller}`,
      ];
      return {
        operation: `${op.method} ${op.path}`,
        caller,
        tags,
        mustRefuse:
          query.flatMap((q) =>
            q?.variant.refuse ? [`query ${q.name}: ${q.variant.refuse}`] : [],
          )[0] ??
          exclusiveQueryRefusal(op, query) ??
          body?.mustRefuse,
        build: (ctx: CaseContext): BuiltRequest => {
          let index = 0;
          const pathText = op.path.replace(/\{[^}]+\}/g, () => {
            const v = path[index++]!;
            const value = v.make(ctx);
            return v.tag.startsWith('path:') ? String(value) : encodeLoose(String(value));
          });
          const pairs: string[] = query.flatMap((q) =>
            q ? [`${q.name}=${encodeLoose(q.variant.make(ctx))}`] : [],
          );
          if (queryExtra) pairs.push(queryExtra.make(ctx));
          const target = pairs.length > 0 ? `${pathText}?${pairs.join('&')}` : pathText;
          const headers: Record<string, string> = {};
          const auth = ctx.world.authorization(ctx.caller as CallerKind);
          if (auth !== undefined) headers.authorization = auth;
          const built: BuiltRequest = { method: op.method, target, headers };
          if (body) Object.assign(built, body.make(ctx, headers));
          return built;
        },
        ...(ANSWER_CHECKS[`${op.method} ${op.path}`]
          ? { checkAnswer: ANSWER_CHECKS[`${op.method} ${op.path}`] }
          : {}),
      };
    });
}

function poolOf(path: string, name: string): IdPool {
  const before = path.split(`/{${name}}`)[0]!.split('/').pop();
  if (before === 'requests') return 'request';
  if (before === 'conversations' || name === 'conversation_id') return 'conversation';
  if (before === 'notifications') return 'notification';
  if (before === 'users') return 'user';
  return 'none';
}

function pathParamArb(op: Operation, p: Parameter): fc.Arbitrary<Variant<unknown>> {
  return fc.oneof(
    { weight: 9, arbitrary: idField(poolOf(op.path, p.name)) },
    { weight: 1, arbitrary: pathSegmentHostile },
  );
}

interface QueryChoice {
  name: string;
  variant: Variant<string>;
}

function queryParamArb(p: Parameter): fc.Arbitrary<QueryChoice | null> {
  const s = p.schema;
  let values: fc.Arbitrary<Variant<string>>;
  if (p.name === 'ids') {
    values = conversationIdListArb;
  } else if (s.enum) {
    values = enumField(s.enum).map((v) => ({
      ...variant(v.tag, (c) => String(v.make(c))),
      refuse: v.refuse,
    }));
  } else if (s.type === 'number' || s.type === 'integer') {
    values = queryNumbers(s.minimum, s.maximum);
  } else if (s.type === 'boolean') {
    values = queryBooleans;
  } else if (s.format === 'uuid') {
    values = idField(p.name === 'assignee_id' ? 'staff' : 'none').map((v) =>
      variant(v.tag, (c) => String(v.make(c))),
    );
  } else {
    values = fc
      .oneof(fc.constant(variant('valid', (c) => c.marker)), hostileText)
      .map((v) => variant(v.tag, (c) => String(v.make(c))));
  }
  return fc.option(
    values.map((variant) => ({ name: p.name, variant })),
    { freq: 3 },
  );
}

/**
 * `ids` of `GET /api/v1/conversations/unread`: comma-separated conversation ids, the caller's,
 * another client's and unknown ones mixed, at and beyond the limit of 100, with broken items.
 */
const conversationIdListArb: fc.Arbitrary<Variant<string>> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom('mine', 'theirs', 'random'), fc.nat()), {
        minLength: 1,
        maxLength: 6,
      })
      .map((picks) =>
        variant(`ids:${[...new Set(picks.map(([which]) => which))].sort().join('+')}`, (c) =>
          picks
            .map(([which, n]) => {
              const ids = which === 'random' ? [] : c.world.idsOf('conversation', which, c.caller);
              return ids.length > 0 ? ids[n % ids.length]! : c.world.randomId(n);
            })
            .join(','),
        ),
      ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Variant<string>>(
      variant('ids:boundary:100', (c) => idList(c, 100)),
      { ...variant('ids:boundary:101', (c) => idList(c, 101)), refuse: 'more than 100 ids' },
      { ...variant('ids:trailing-comma', (c) => `${idList(c, 2)},`), refuse: 'an empty id' },
      {
        ...variant('ids:double-comma', (c) => idList(c, 2).replace(',', ',,')),
        refuse: 'an empty id',
      },
      { ...variant('ids:spaces', (c) => idList(c, 2).replace(',', ', ')), refuse: 'not a UUID' },
      { ...variant('ids:one-bad', (c) => `${idList(c, 2)},${c.marker}`), refuse: 'not a UUID' },
      { ...variant('ids:empty', () => ''), refuse: 'no ids' },
      { ...variant('ids:comma', () => ','), refuse: 'no ids' },
      variant('ids:upper', (c) => idList(c, 3).toUpperCase()),
    ),
  },
  { weight: 1, arbitrary: hostileText.map((v) => variant(v.tag, (c) => String(v.make(c)))) },
);

/** A boolean query parameter is the text `true` or `false`, nothing else. */
const queryBooleans: fc.Arbitrary<Variant<string>> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      variant('valid:true', () => 'true'),
      variant('valid:false', () => 'false'),
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('1', '0', 'yes', 'TRUE', 'True', '', ' true', 'true ', 'null', '[true]')
      .map((text) => ({
        ...variant(`boundary:not-boolean`, () => text),
        refuse: 'not true or false',
      })),
  },
  { weight: 1, arbitrary: hostileText.map((v) => variant(v.tag, (c) => String(v.make(c)))) },
);

/** `count` ids: the caller's conversations first, then unknown ones. */
function idList(c: CaseContext, count: number): string {
  const mine = c.world.idsOf('conversation', 'mine', c.caller);
  return Array.from({ length: count }, (_, i) => mine[i] ?? c.world.randomId(i)).join(',');
}

/** Oracles on 2xx answers, by operation: what the caller may not see never appears. */
const ANSWER_CHECKS: Record<string, (body: unknown, ctx: CaseContext) => string | undefined> = {
  'GET /api/v1/conversations/unread': (body, ctx) => {
    const items = (body as { items?: { conversation_id?: unknown }[] } | null)?.items;
    if (!Array.isArray(items)) return 'no items array';
    if (!(SESSION_CALLERS as readonly string[]).includes(ctx.caller))
      return 'answered a bad caller';
    const { allowed } = ctx.world.conversationsFor(ctx.caller as (typeof SESSION_CALLERS)[number]);
    const leaked = items.filter((item) => !allowed.includes(String(item.conversation_id)));
    return leaked.length > 0
      ? `counts of conversations the caller may not see: ${leaked.map((i) => String(i.conversation_id)).join(', ')}`
      : undefined;
  },
};

/**
 * Query parameters of an operation that exclude one another (API.md): a case giving more than one
 * of them (with a value that counts: any for numbers, `true` for booleans) must be refused.
 */
const EXCLUSIVE_QUERY: Record<string, string[]> = {
  'GET /api/v1/conversations/{id}': ['after_seq', 'before_seq', 'latest'],
};

function exclusiveQueryRefusal(op: Operation, query: (QueryChoice | null)[]): string | undefined {
  const names = EXCLUSIVE_QUERY[`${op.method} ${op.path}`];
  if (!names) return undefined;
  const given = query.filter(
    (q): q is QueryChoice =>
      q !== null && names.includes(q.name) && q.variant.tag !== 'valid:false',
  );
  return given.length > 1
    ? `${given.map((q) => q.name).join(' and ')} exclude one another`
    : undefined;
}

/** Whole-query mischief: unknown, repeated, bracketed, badly encoded and very long parameters. */
const queryMutationArb: fc.Arbitrary<Variant<string>> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      variant('extra:unknown', (c) => `fuzz_unknown=${c.marker}`),
      fixed('extra:repeated-page', 'page=1&page=2'),
      fixed('extra:bracket', 'page[]=1&page_size[a]=2'),
      fixed('extra:proto', '__proto__[role]=admin&constructor[prototype][x]=1'),
      fixed('extra:malformed-percent', 'page=%E0%A4%A'),
      fixed('extra:bad-percent', 'status=%ZZ'),
      fixed('extra:encoded-nul', 'status=%00'),
      fixed('extra:no-value', 'page'),
      fixed('extra:empty-key', '=1'),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      variant('extra:long-8k', (c) => `q=${marked(c.marker, 8_000)}`),
      variant('extra:long-20k', (c) => `q=${marked(c.marker, 20_000)}`),
      variant('extra:long-100k', (c) => `q=${marked(c.marker, 100_000)}`),
    ),
  },
);

function fixed<T>(tag: string, value: T): Variant<T> {
  return variant(tag, () => value);
}

interface BodyChoice {
  tags: string[];
  mustRefuse?: string;
  make(ctx: CaseContext, headers: Record<string, string>): Partial<BuiltRequest>;
}

function bodyArb(op: Operation, schema: Schema): fc.Arbitrary<BodyChoice> {
  return fc.oneof(
    { weight: 7, arbitrary: objectBodyArb(op, schema) },
    { weight: 3, arbitrary: rawBodyArb(schema) },
  );
}

/** A JSON object from the schema: each field valid, at a boundary, hostile or of the wrong type. */
function objectBodyArb(op: Operation, schema: Schema): fc.Arbitrary<BodyChoice> {
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const fieldArbs = properties.map(([name, s]) =>
    sometimes(fieldArb(op, name, s), 1, required.has(name) ? 20 : 2),
  );
  return fc
    .record({
      fields: fc.tuple(...fieldArbs),
      extras: sometimes(extraKeysArb, 8),
    })
    .map(({ fields, extras }) => {
      const tags: string[] = [];
      fields.forEach((f, i) => {
        const name = properties[i]![0];
        tags.push(f ? `body.${name}.${f.tag}` : `body.${name}.absent`);
      });
      if (extras) tags.push(`body.${extras.tag}`);
      return {
        tags,
        mustRefuse: refusalReason(
          schema,
          fields.map((f, i) => [properties[i]![0], f]),
          extras,
        ),
        make: (ctx: CaseContext, headers: Record<string, string>) => {
          const entries: [string, unknown][] = [];
          fields.forEach((f, i) => {
            if (f) entries.push([properties[i]![0], f.make(ctx)]);
          });
          if (extras) entries.push(...extras.make(ctx));
          const object = objectOf(entries);
          const password = typeof object.password === 'string' ? object.password : undefined;
          return {
            body: toJsonText(object),
            headers: { ...headers, 'content-type': 'application/json' },
            password,
          };
        },
      };
    });
}

/**
 * API.md: "a missing, wrong-typed or unknown field, a value out of range" is a 400. Only what the
 * schema states beyond doubt counts: unknown top-level keys, absent required fields, strings
 * over their maximum.
 */
function refusalReason(
  schema: Schema,
  fields: [string, Variant | null][],
  extras: Variant<[string, unknown][]> | null,
): string | undefined {
  const known = new Set(Object.keys(schema.properties ?? {}));
  const unknown = (extras ? (EXTRA_KEYS[extras.tag] ?? []) : []).filter((key) => !known.has(key));
  if (unknown.length > 0) return `unknown field(s) ${unknown.join(', ')}`;
  const missing = fields.filter(([name, f]) => f === null && schema.required?.includes(name));
  if (missing.length > 0) return `missing required field(s) ${missing.map(([n]) => n).join(', ')}`;
  const tooLong = fields.filter(
    ([name, f]) =>
      f?.tag.startsWith('boundary:max+1') && schema.properties?.[name]?.maxLength !== undefined,
  );
  if (tooLong.length > 0) return `over the maximum length: ${tooLong.map(([n]) => n).join(', ')}`;
  const outOfRange = fields.find(([, f]) => f?.refuse !== undefined);
  if (outOfRange) return `${outOfRange[0]}: ${outOfRange[1]!.refuse}`;
  return undefined;
}

/** The top-level keys each extra-keys variant adds. */
const EXTRA_KEYS: Record<string, string[]> = {
  'extra:unknown-key': ['<marker>_unknown'],
  'extra:__proto__': ['__proto__'],
  'extra:constructor': ['constructor'],
  'extra:constructor-string': ['constructor'],
  'extra:constructor-object': ['constructor'],
  'extra:prototype': ['prototype'],
  'extra:role-tier': ['role', 'tier'],
  'extra:id': ['id', 'user_id'],
};

/** Keys no schema allows: unknown ones and the ones that pollute prototypes. */
const extraKeysArb: fc.Arbitrary<Variant<[string, unknown][]>> = fc.constantFrom(
  variant('extra:unknown-key', (c) => [[`${c.marker}_unknown`, c.marker]]),
  variant('extra:__proto__', (c) => [
    ['__proto__', { role: 'admin', tier: 100000, polluted: c.marker }],
  ]),
  variant('extra:constructor', (c) => [
    ['constructor', { prototype: { role: 'admin', polluted: c.marker } }],
  ]),
  variant('extra:constructor-string', (c) => [['constructor', c.marker]]),
  variant('extra:constructor-object', (c) => [['constructor', { polluted: c.marker }]]),
  variant('extra:prototype', (c) => [['prototype', { role: 'admin', polluted: c.marker }]]),
  variant('extra:role-tier', () => [
    ['role', 'admin'],
    ['tier', 100000],
  ]),
  variant('extra:id', (c) => [
    ['id', c.world.randomId(7)],
    ['user_id', c.world.randomId(8)],
  ]),
);

/** A field's value by its name (the contract of API.md), else by its schema. */
function fieldArb(op: Operation, name: string, s: Schema): fc.Arbitrary<Variant> {
  const isLogin = op.path.endsWith('/auth/login');
  switch (name) {
    case 'email':
      return isLogin ? loginEmailArb : newEmailArb;
    case 'password':
      return isLogin ? loginPasswordArb : newPasswordArb;
    case 'full_name':
      return fc.oneof(
        { weight: 9, arbitrary: stringField(0, 200) },
        { weight: 1, arbitrary: fc.constant(fixed('valid:null', null)) },
      );
    case 'preferences':
      return preferencesArb;
    case 'description':
      return stringField(1, 5000);
    case 'content':
      return stringField(1, 4000);
    case 'conversation_id':
      return idField('conversation');
    case 'agent_id':
      return idField('staff');
    case 'client_id':
      return fc.oneof(
        { weight: 5, arbitrary: fc.uuid().map((u) => fixed('valid', u)) },
        {
          weight: 2,
          arbitrary: fc.constant(fixed('valid:reused', '0190c0de-0000-7000-8000-00000000f022')),
        },
        { weight: 1, arbitrary: fc.constant(fixed('valid:null', null)) },
        { weight: 2, arbitrary: idField('none') },
      );
    case 'refresh_token':
      return refreshTokenArb;
  }
  if (s.enum) return enumField(s.enum);
  if (s.format === 'uuid') return idField('none');
  switch (s.type) {
    case 'string':
      return stringField(s.minLength ?? 0, s.maxLength ?? 1000);
    case 'number':
    case 'integer':
      return integerField(s.minimum, s.maximum);
    case 'boolean':
      return booleanField;
    case 'object':
      return preferencesArb;
    default:
      return fc.oneof(stringField(0, 200), wrongType);
  }
}

const newEmailArb: fc.Arbitrary<Variant> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(variant('valid', (c) => `${c.marker}@ajla.test`)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Variant>(
      variant('conflict:existing', (c) => c.world.victims[0]!.email),
      variant('conflict:existing-upper', (c) => c.world.victims[1]!.email.toUpperCase()),
      variant(
        'boundary:max',
        (c) =>
          `${marked(c.marker, 64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(63)}.${'g'.repeat(52)}.test`,
      ),
      variant(
        'boundary:max+1',
        (c) =>
          `${marked(c.marker, 64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(63)}.${'g'.repeat(53)}.test`,
      ),
      variant('boundary:local-65', (c) => `${marked(c.marker, 65)}@ajla.test`.replace(' ', '.')),
      variant('boundary:padded', (c) => `  ${c.marker}@AJLA.test `),
      variant('hostile:no-at', (c) => c.marker),
      variant('hostile:two-at', (c) => `${c.marker}@a@ajla.test`),
      variant('hostile:unicode', (c) => `${c.marker}ü@ёxample.test`),
      variant('hostile:nul', (c) => `${c.marker}\u0000@ajla.test`),
      fixed('boundary:empty', ''),
    ),
  },
  { weight: 1, arbitrary: hostileString },
  { weight: 1, arbitrary: wrongType },
);

const loginEmailArb: fc.Arbitrary<Variant> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.nat(1).map((n) => variant('valid:victim', (c) => c.world.victims[n]!.email)),
  },
  { weight: 2, arbitrary: fc.constant(variant('valid:unknown', (c) => `${c.marker}@ajla.test`)) },
  {
    weight: 1,
    arbitrary: fc.constant(
      variant('boundary:victim-upper', (c) => c.world.victims[0]!.email.toUpperCase()),
    ),
  },
  { weight: 1, arbitrary: hostileString },
  { weight: 1, arbitrary: wrongType },
);

const newPasswordArb: fc.Arbitrary<Variant> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .nat()
      .map((n) => variant('valid', (c) => `${c.marker}-pw-${n.toString(36)}-secret`)),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Variant>(
      variant('boundary:min-1', (c) => marked(c.marker, 7)),
      variant('boundary:min', (c) => `${c.marker}-pass`.slice(0, 8).padEnd(8, 'p')),
      variant('boundary:max', (c) => marked(c.marker, 128, 'p')),
      variant('boundary:max+1', (c) => marked(c.marker, 129, 'p')),
      variant('boundary:max-astral', (c) => `${c.marker}${'😀'.repeat(120)}`),
      variant('boundary:huge-500k', (c) => marked(c.marker, 500_000, 'p')),
      fixed('boundary:blank', '          '),
    ),
  },
  { weight: 1, arbitrary: hostileString },
  { weight: 1, arbitrary: wrongType },
);

const loginPasswordArb: fc.Arbitrary<Variant> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constant(variant('valid:right', (c) => c.world.victims[0]!.password)),
  },
  {
    weight: 2,
    arbitrary: fc.constant(variant('valid:wrong', (c) => `${c.marker}-wrong-password`)),
  },
  {
    weight: 1,
    arbitrary: fc.constant(variant('boundary:huge-500k', (c) => marked(c.marker, 500_000, 'p'))),
  },
  { weight: 1, arbitrary: hostileString },
  { weight: 1, arbitrary: wrongType },
);

const refreshTokenArb: fc.Arbitrary<Variant> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(variant('valid:spare', (c) => c.world.refreshToken())) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Variant>(
      variant('wrong:access-token', (c) => c.world.token('client')),
      variant('wrong:marker', (c) => `${c.marker}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`),
      fixed('boundary:empty', ''),
      variant('boundary:long', (c) => marked(c.marker, 10_000)),
    ),
  },
  { weight: 1, arbitrary: hostileString },
  { weight: 1, arbitrary: wrongType },
);

/** `preferences`: a JSON object of at most 16384 bytes (API.md: any object). */
const preferencesArb: fc.Arbitrary<Variant> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
      .map((d) => variant('valid', (c) => ({ ...d, fuzz: c.marker }))),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom<Variant>(
      variant('boundary:16k', (c) => ({ k: marked(c.marker, 16_384 - 10) })),
      {
        ...variant('boundary:16k+1', (c) => ({ k: marked(c.marker, 16_384) })),
        refuse: 'over 16384 bytes',
      },
      variant('boundary:many-keys', (c) =>
        Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`${c.marker}${i}`, i])),
      ),
      variant('boundary:deep-50', () => deepObject(50)),
      fixed('hostile:deep-1000', deepObject(1000)),
      fixed('hostile:deep-5000', deepObject(5000)),
      fixed('hostile:deep-array-10000', new RawJson(`{"a":${deepArray(10_000).text}}`)),
      variant('hostile:nul-value', (c) => ({ k: `${c.marker}\u0000` })),
      variant('hostile:nul-key', (c) => objectOf([[`${c.marker}\u0000`, 1]])),
      variant('hostile:lone-surrogate-value', (c) => ({ k: `${c.marker}\ud800` })),
      variant('hostile:lone-surrogate-key', (c) => objectOf([[`\udfff${c.marker}`, 1]])),
      variant('hostile:__proto__', (c) => objectOf([['__proto__', { polluted: c.marker }]])),
      variant('hostile:constructor', (c) =>
        objectOf([['constructor', { prototype: { polluted: c.marker } }]]),
      ),
      variant('hostile:prototype', (c) => objectOf([['prototype', c.marker]])),
      variant('hostile:constructor-plain', (c) => objectOf([['constructor', c.marker]])),
      variant('hostile:1e400', (c) => ({ n: new RawJson('1e400'), m: c.marker })),
      variant('hostile:2^53+1', (c) => ({ n: new RawJson('9007199254740993'), m: c.marker })),
      variant('wrong-type:array', (c) => [c.marker]),
      fixed('wrong-type:string', '{}'),
      fixed('wrong-type:null', null),
    ),
  },
  { weight: 1, arbitrary: wrongType },
);

/** Bodies that are not a well-formed JSON object of the schema at all. */
function rawBodyArb(schema: Schema): fc.Arbitrary<BodyChoice> {
  const sample = (c: CaseContext) =>
    Object.fromEntries(Object.keys(schema.properties ?? {}).map((k) => [k, `${c.marker}`]));
  const raw = (
    tag: string,
    text: Recipe<string>,
    contentType: string | null = 'application/json',
  ) =>
    ({
      tags: [`body:${tag}`],
      make: (c: CaseContext, headers: Record<string, string>) => {
        if (contentType === null) return { body: new TextEncoder().encode(text(c)), headers };
        return { body: text(c), headers: { ...headers, 'content-type': contentType } };
      },
    }) satisfies BodyChoice;
  return fc.constantFrom<BodyChoice>(
    raw(
      'malformed:truncated',
      (c) => `{"${Object.keys(schema.properties ?? { a: 1 })[0]}": "${c.marker}`,
    ),
    raw('malformed:single-quotes', (c) => `{'a': '${c.marker}'}`),
    raw('malformed:trailing-comma', (c) => `${toJsonText(sample(c)).slice(0, -1)},}`),
    raw('malformed:bare-key', (c) => `{a: "${c.marker}"}`),
    raw('malformed:nan', (c) => `{"a": NaN, "m": "${c.marker}"}`),
    raw('malformed:raw-nul', (c) => `{"a": "${c.marker}\u0000"}`),
    raw('malformed:raw-control', (c) => `{"a": "${c.marker}\n\t"}`),
    raw('malformed:garbage-after', (c) => `${toJsonText(sample(c))} trailing ${c.marker}`),
    raw('malformed:bom', (c) => `\ufeff${toJsonText(sample(c))}`),
    raw('malformed:bad-escape', (c) => `{"a": "${c.marker}\\x41\\u12"}`),
    raw('malformed:lone-surrogate-escape', (c) =>
      toJsonText(sample(c)).replace(c.marker, `${c.marker}\\ud800`),
    ),
    raw('malformed:nul-escape', (c) =>
      toJsonText(sample(c)).replace(c.marker, `${c.marker}\\u0000`),
    ),
    raw('malformed:empty', () => ''),
    raw('malformed:whitespace', () => ' \n '),
    raw('not-object:array', (c) => `[${toJsonText(sample(c))}]`),
    raw('not-object:string', (c) => JSON.stringify(c.marker)),
    raw('not-object:number', () => '1e400'),
    raw('not-object:null', () => 'null'),
    raw('not-object:true', () => 'true'),
    raw('deep:array-1000', () => deepArray(1000).text),
    raw('deep:array-10000', () => deepArray(10_000).text),
    raw('deep:object-5000', () => deepObject(5000).text),
    raw('deep:in-field-5000', (c) => {
      const key = Object.keys(schema.properties ?? { a: 1 })[0];
      return `{"${key}": ${deepArray(5000).text}, "m": "${c.marker}"}`;
    }),
    raw(
      'duplicate-keys',
      (c) =>
        `{"role":"user","role":"admin","tier":5000,"tier":100000,${toJsonText(sample(c)).slice(1)}`,
    ),
    raw('proto-only', (c) => `{"__proto__": {"role": "admin", "m": "${c.marker}"}}`),
    raw('huge:1.1MiB', (c) => toJsonText({ ...sample(c), pad: 'x'.repeat(1_150_000) })),
    raw('huge:3MiB', (c) => toJsonText({ ...sample(c), pad: 'x'.repeat(3_000_000) })),
    raw('content-type:text-plain', (c) => toJsonText(sample(c)), 'text/plain'),
    raw(
      'content-type:form',
      (c) => `email=${c.marker}%40ajla.test&password=x`,
      'application/x-www-form-urlencoded',
    ),
    raw(
      'content-type:multipart',
      (c) => `--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n${c.marker}\r\n--x--`,
      'multipart/form-data; boundary=x',
    ),
    raw('content-type:xml', (c) => `<a>${c.marker}</a>`, 'application/xml'),
    raw('content-type:utf16', (c) => toJsonText(sample(c)), 'application/json; charset=utf-16'),
    raw(
      'content-type:latin1',
      (c) => toJsonText(sample(c)),
      'application/json; charset=iso-8859-1',
    ),
    raw('content-type:bogus-charset', (c) => toJsonText(sample(c)), 'application/json; charset=fz'),
    raw('content-type:vendor-json', (c) => toJsonText(sample(c)), 'application/vnd.api+json'),
    raw('content-type:garbage', (c) => toJsonText(sample(c)), ';;;/'),
    raw('content-type:none', (c) => toJsonText(sample(c)), null),
  );
}

/** Cases outside the document: undocumented methods, unknown paths, oversized URLs. */
function syntheticCaseArb(operations: Operation[]): fc.Arbitrary<HttpCase> {
  const paths = [...new Set(operations.map((o) => o.path))];
  const synthetic = (
    operation: string,
    tag: string,
    caller: CallerKind,
    build: Recipe<Omit<BuiltRequest, 'headers'>>,
  ): HttpCase => ({
    operation,
    caller,
    tags: [tag, `caller:${caller}`],
    build: (ctx) => {
      const auth = ctx.world.authorization(caller);
      const headers: Record<string, string> = auth ? { authorization: auth } : {};
      return { headers, ...build(ctx) };
    },
  });
  return fc.oneof(
    fc
      .record({
        path: fc.constantFrom(...paths),
        method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        caller: callerArb,
        n: fc.nat(),
      })
      .filter(({ path, method }) => !operations.some((o) => o.path === path && o.method === method))
      .map(({ path, method, caller, n }) =>
        synthetic(`${method} ${path}`, 'synthetic:undocumented-method', caller, (c) => ({
          method,
          target: path.replace(/\{[^}]+\}/g, () => c.world.randomId(n)),
        })),
      ),
    fc
      .record({
        prefix: fc.constantFrom(
          '/api/v1/auth',
          '/api/v1/users',
          '/api/v1/admin/users',
          '/api/v1/requests',
          '/api/v1/conversations',
          '/api/v1/messages',
          '/api/v1',
          '/ws/chat',
          '/docs',
          '',
        ),
        caller: callerArb,
      })
      .map(({ prefix, caller }) =>
        synthetic(`GET ${prefix}/<unknown>`, 'synthetic:unknown-path', caller, (c) => ({
          method: 'GET',
          target: `${prefix}/${c.marker}/x`,
        })),
      ),
    fc
      .record({
        length: fc.constantFrom(8_000, 16_000, 65_000, 200_000),
        where: fc.constantFrom('path', 'query'),
        caller: callerArb,
      })
      .map(({ length, where, caller }) =>
        synthetic(
          `GET /api/v1/requests (${where} of ${length})`,
          `synthetic:long-url-${where}-${length}`,
          caller,
          (c) => ({
            method: 'GET',
            target:
              where === 'path'
                ? `/api/v1/requests/${marked(c.marker, length)}`.replace(' ', '_')
                : `/api/v1/requests?page=1&pad=${marked(c.marker, length)}`.replace(' ', '_'),
          }),
        ),
      ),
    fc
      .constantFrom('/health', '/docs-json', '/.well-known/jwks.json', '/api/v1/auth/jwks')
      .chain((path) =>
        fc.record({ extra: queryMutationArb, caller: callerArb }).map(({ extra, caller }) =>
          synthetic(`GET ${path}`, `synthetic:public-${extra.tag}`, caller, (c) => ({
            method: 'GET',
            target: `${path}?${extra.make(c)}`,
          })),
        ),
      ),
    fc
      .constantFrom(
        'malformed-percent:%E0%A4%A',
        'malformed-percent:%',
        'malformed-percent:%ZZ',
        'encoded-nul:%00',
      )
      .map((which) => {
        const segment = which.split(':')[1]!;
        return synthetic(
          `GET /api/v1/<${which}>`,
          `synthetic:${which.split(':')[0]}`,
          'client',
          () => ({
            method: 'GET',
            target: `/api/v1/requests/${segment}`,
          }),
        );
      }),
  );
}

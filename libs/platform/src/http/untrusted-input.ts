import { ValidationError } from '@ajla/shared-kernel';

/**
 * The rules every JSON body, query string and chat frame meets before any validation pipe or use
 * case sees it, in one place:
 * - nesting deeper than `MAX_JSON_DEPTH` arrays/objects is refused (class-transformer and
 *   class-validator recurse, and overflow the stack on a body nested thousands of levels);
 * - `__proto__`, `constructor` and `prototype` are refused as keys at any depth, like any unknown
 *   field (class-validator's whitelist lets the last two through, and they are traps for any code
 *   that merges objects);
 * - text Postgres cannot store (NUL, UTF-16 surrogates without their pair) is refused in every
 *   string and every key, rather than failing the INSERT (a 500) or being silently altered;
 * - numbers JSON.parse made infinite (`1e400`) are refused.
 * Details never echo the offending value: keys that are not plain names are shown as `*`.
 */
export const MAX_JSON_DEPTH = 32;

/** Keys that mean something to JavaScript objects; never a field of the API. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

export type UntrustedInputReason = 'nested_too_deeply' | 'unstorable_text' | 'validation';

/** What is checked, as a detail names it when the problem is the whole thing. */
export interface UntrustedInputOptions {
  /** e.g. `JSON body`, `query`, `frame` */
  readonly what: string;
  readonly maxDepth?: number;
}

interface PathNode {
  readonly parent: PathNode | undefined;
  readonly segment: string | number;
}

interface Pending {
  readonly value: object;
  readonly depth: number;
  readonly path: PathNode | undefined;
}

const PLAIN_NAME = /^[A-Za-z0-9_$-]{1,64}$/;

/**
 * Checks a value JSON.parse (or the query-string parser) produced against the rules above, walking
 * it once without recursion, so a deep value cannot overflow the stack here either. Throws the
 * shared kernel's `ValidationError` (400 through the one filter) naming the first problem met.
 */
export function checkUntrustedInput(value: unknown, options: UntrustedInputOptions): void {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  if (!isContainer(value)) {
    checkLeaf(value, undefined, options);
    return;
  }
  const stack: Pending[] = [{ value, depth: 1, path: undefined }];
  while (stack.length > 0) {
    const { value: container, depth, path } = stack.pop()!;
    if (depth > maxDepth) {
      throw new ValidationError(
        `${capitalised(options.what)} is nested too deeply (at most ${maxDepth} levels)`,
        'nested_too_deeply',
      );
    }
    if (Array.isArray(container)) {
      for (let index = 0; index < container.length; index += 1) {
        const item: unknown = container[index];
        const itemPath = { parent: path, segment: index };
        if (isContainer(item)) stack.push({ value: item, depth: depth + 1, path: itemPath });
        else checkLeaf(item, itemPath, options);
      }
      continue;
    }
    for (const key of Object.keys(container)) {
      if (!isStorableText(key)) {
        throw new ValidationError(
          `a key in ${describePath(path, options)} contains characters that cannot be stored`,
          'unstorable_text',
        );
      }
      const keyPath = { parent: path, segment: key };
      if (FORBIDDEN_KEYS.has(key)) {
        throw new ValidationError(`property ${pathText(keyPath)} should not exist`, 'validation');
      }
      const item: unknown = (container as Record<string, unknown>)[key];
      if (isContainer(item)) stack.push({ value: item, depth: depth + 1, path: keyPath });
      else checkLeaf(item, keyPath, options);
    }
  }
}

// With the `u` flag a surrogate pair is one code point, so `\p{Cs}` matches only lone halves.
// NUL is the point of this pattern, not a slip:
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/** Postgres `text` and `jsonb` hold neither NUL nor half of a surrogate pair. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

function checkLeaf(value: unknown, path: PathNode | undefined, options: UntrustedInputOptions) {
  if (typeof value === 'string' && !isStorableText(value)) {
    throw new ValidationError(
      `${describePath(path, options)} contains characters that cannot be stored`,
      'unstorable_text',
    );
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new ValidationError(`${describePath(path, options)} is out of range`, 'validation');
  }
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function describePath(path: PathNode | undefined, options: UntrustedInputOptions): string {
  return path === undefined ? `the ${options.what}` : pathText(path);
}

/** `preferences.colours[2].name`; a key that is not a plain name shows as `*`. */
function pathText(path: PathNode): string {
  const segments: Array<string | number> = [];
  for (let node: PathNode | undefined = path; node; node = node.parent) {
    segments.push(node.segment);
  }
  let text = '';
  for (const segment of segments.reverse()) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += `${text === '' ? '' : '.'}${PLAIN_NAME.test(segment) ? segment : '*'}`;
  }
  return text;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

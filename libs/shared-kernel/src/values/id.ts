import { v7 as uuidv7, validate as isUuid } from 'uuid';
import { ValidationError } from '../errors/domain-error';

/** A string id that the type system keeps apart from other ids: `type UserId = Id<'UserId'>`. */
export type Id<TBrand extends string> = string & { readonly __brand: TBrand };

/**
 * Random bytes for new ids, drawn from the platform's CSPRNG 4 KiB at a time (256 ids a draw).
 * `uuid` draws 16 bytes per id, a `crypto.getRandomValues` call of a few microseconds each: a
 * notification-service event makes 40 ids (its notifications and their mails).
 */
const randomPool = new Uint8Array(4096);
let poolUsed = randomPool.length;

/**
 * The last id's millisecond and counter, kept here since ids made from given random bytes skip
 * `uuid`'s own (the same rule as its `updateV7State`): a new millisecond starts the counter from
 * random bits, ids within one count up, so they sort in the order they were made, and a clock set
 * back keeps the last time.
 */
const lastId = { msecs: -Infinity, seq: 0 };

/** A new UUIDv7: unique, safe to expose, sortable by creation time. */
export function newId<TBrand extends string>(): Id<TBrand> {
  if (poolUsed + 16 > randomPool.length) {
    globalThis.crypto.getRandomValues(randomPool);
    poolUsed = 0;
  }
  const random = randomPool.subarray(poolUsed, (poolUsed += 16));
  const now = Date.now();
  if (now > lastId.msecs) {
    lastId.msecs = now;
    lastId.seq = ((random[6] & 0x7f) << 24) | (random[7] << 16) | (random[8] << 8) | random[9];
  } else {
    lastId.seq = (lastId.seq + 1) | 0;
    if (lastId.seq === 0) lastId.msecs += 1;
  }
  return uuidv7({ random, msecs: lastId.msecs, seq: lastId.seq }) as Id<TBrand>;
}

export function isId(value: unknown): value is string {
  return typeof value === 'string' && isUuid(value);
}

/** Parses an id that comes from outside (a path, a body, a token); throws a validation error. */
export function parseId<TBrand extends string>(value: unknown, what = 'id'): Id<TBrand> {
  if (!isId(value)) {
    throw new ValidationError(`${what} must be a UUID`, 'invalid_id');
  }
  return value.toLowerCase() as Id<TBrand>;
}

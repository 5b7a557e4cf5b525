import { v7 as uuidv7, validate as isUuid } from 'uuid';
import { ValidationError } from '../errors/domain-error';

/** A string id that the type system keeps apart from other ids: `type UserId = Id<'UserId'>`. */
export type Id<TBrand extends string> = string & { readonly __brand: TBrand };

/** A new UUIDv7: unique, safe to expose, sortable by creation time. */
export function newId<TBrand extends string>(): Id<TBrand> {
  return uuidv7() as Id<TBrand>;
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

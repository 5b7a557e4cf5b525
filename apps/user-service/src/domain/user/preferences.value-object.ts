import { ValidationError, ValueObject } from '@ajla/shared-kernel';

/** Serialised size limit: preferences are settings, not a document store. */
export const PREFERENCES_MAX_BYTES = 16 * 1024;
const MAX_DEPTH = 8;

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A client's free-form settings: a JSON object of bounded size and depth. */
export class Preferences extends ValueObject<{ json: string }> {
  static readonly empty = new Preferences('{}');

  private constructor(json: string) {
    super({ json });
  }

  static create(raw: unknown): Preferences {
    if (!isPlainObject(raw)) {
      throw new ValidationError('preferences must be a JSON object', 'invalid_preferences');
    }
    if (nestsDeeperThan(raw, MAX_DEPTH)) {
      throw new ValidationError(
        `preferences must not nest deeper than ${MAX_DEPTH} levels`,
        'invalid_preferences',
      );
    }
    const json = JSON.stringify(raw);
    if (new TextEncoder().encode(json).length > PREFERENCES_MAX_BYTES) {
      throw new ValidationError(
        `preferences must not exceed ${PREFERENCES_MAX_BYTES} bytes of JSON`,
        'preferences_too_large',
      );
    }
    return new Preferences(json);
  }

  /** A fresh copy each time, so callers cannot mutate the value object. */
  toJSON(): JsonObject {
    return JSON.parse(this.props.json) as JsonObject;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Stops at the limit, so a hostile, very deep value costs no more than a legal one. */
function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (levels === 0) return true;
  return Object.values(value as object).some((child) => nestsDeeperThan(child, levels - 1));
}

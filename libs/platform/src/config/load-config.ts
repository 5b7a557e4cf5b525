import 'reflect-metadata';
import { Transform, plainToInstance } from 'class-transformer';
import { IsBoolean, ValidationError, validateSync } from 'class-validator';

/** Start-up configuration that failed validation; the message has one line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type ConfigClass<T extends object> = new () => T;

// Values of these variables may be credentials (or URLs that embed them): never echo them.
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY|URL|DSN/i;

/**
 * Builds `schema` from the environment and validates it. Property names are the variable names,
 * defaults are property initialisers; an empty variable counts as unset, so the default applies.
 * Throws `ConfigError` listing every bad or missing variable.
 */
export function loadConfig<T extends object>(
  schema: ConfigClass<T>,
  env: Record<string, string | undefined> = process.env,
): T {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const config = plainToInstance(schema, present, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  // `whitelist` also drops every variable the schema does not declare.
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigError(errors.map((error) => describe(error, present[error.property])));
  }
  return Object.freeze(config);
}

function describe(error: ValidationError, raw: string | undefined): string {
  const name = error.property;
  const rules = [...new Set(Object.values(error.constraints ?? {}))].map((message) =>
    message.startsWith(`${name} `) ? message.slice(name.length + 1) : message,
  );
  const got =
    raw === undefined
      ? 'not set'
      : SECRET_NAME.test(name)
        ? 'value hidden'
        : `got ${JSON.stringify(raw)}`;
  return `${name}: ${rules.join('; ')} (${got})`;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * A boolean variable (`true/false`, `1/0`, `yes/no`, `on/off`). Implicit conversion alone would read
 * any non-empty string, `"false"` included, as `true`.
 */
export function EnvBoolean(): PropertyDecorator {
  return (target, key) => {
    Transform(({ obj, value }) => {
      const raw = obj[key];
      if (typeof raw !== 'string') return value;
      const text = raw.trim().toLowerCase();
      return TRUE.has(text) ? true : FALSE.has(text) ? false : raw;
    })(target, key);
    IsBoolean({ message: 'must be true or false' })(target, key);
  };
}

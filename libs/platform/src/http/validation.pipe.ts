import { ValidationPipe } from '@nestjs/common';
import { ValidationError as ClassValidationError } from 'class-validator';
import { ValidationError } from '@ajla/shared-kernel';

/**
 * The global pipe: bodies and queries become DTO instances; unknown fields are refused, not
 * silently dropped. Fails with the shared kernel's `ValidationError`, so the one filter answers 400
 * with the first broken rule (as written) of each bad field as the detail.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationError(validationDetail(errors)),
  });
}

/** `"email must be an email; address.city must be a string"`. */
export function validationDetail(errors: ClassValidationError[]): string {
  const messages = errors.flatMap((error) => firstMessages(error, ''));
  return messages.length > 0 ? messages.join('; ') : 'Invalid request';
}

function firstMessages(error: ClassValidationError, parentPath: string): string[] {
  const prefix = parentPath ? `${parentPath}.` : '';
  // Decorators run bottom-up, so the last constraint is the rule written first (usually the type).
  const first = Object.values(error.constraints ?? {}).at(-1);
  const own = first ? [`${prefix}${first}`] : [];
  const path = `${prefix}${error.property}`;
  return [...own, ...(error.children ?? []).flatMap((child) => firstMessages(child, path))];
}

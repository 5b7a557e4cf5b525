import {
  ExecutionContext,
  SetMetadata,
  applyDecorators,
  createParamDecorator,
} from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';
import { PUBLIC_ROUTE_KEY } from '@ajla/platform';
import { AuthenticatedUser, Role } from '../tokens/access-token';

export const ROLES_KEY = 'ajla:roles';

/**
 * No access token needed (register, login, refresh, JWKS...). The OpenAPI document says so
 * (`security: []`, see libs/platform's `withOpenPublicOperations`), or clients generated from it
 * would send a token there.
 */
export const Public = () =>
  applyDecorators(SetMetadata(PUBLIC_ROUTE_KEY, true), SetMetadata(DECORATORS.API_SECURITY, [{}]));

/** Only these roles may call the route (or every route of the controller); others get 403. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** The caller, as its access token says (undefined on a `@Public()` route). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser | undefined =>
    context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user,
);

import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import { PUBLIC_ROUTE_KEY } from '@ajla/platform';
import { AuthenticatedUser, Role } from '../tokens/access-token';

export const ROLES_KEY = 'ajla:roles';

/** No access token needed (register, login, refresh, JWKS...). */
export const Public = () => SetMetadata(PUBLIC_ROUTE_KEY, true);

/** Only these roles may call the route (or every route of the controller); others get 403. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** The caller, as its access token says (undefined on a `@Public()` route). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser | undefined =>
    context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user,
);

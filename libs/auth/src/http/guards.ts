import {
  CanActivate,
  ExecutionContext,
  Injectable,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '@ajla/shared-kernel';
import { PUBLIC_ROUTE_KEY } from '@ajla/platform';
import { AuthenticatedUser, Role } from '../tokens/access-token';
import { AccessTokenVerifier } from '../tokens/access-token.verifier';
import { RevocationFeedUnavailableError } from '../revocations/session-revocations';
import { ROLES_KEY } from './decorators';

interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthenticatedUser;
}

/** `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer +(\S+) *$/i);
  return match?.[1];
}

/** Every HTTP route needs a valid access token unless it is `@Public()`; sets `request.user`. */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // WebSockets authenticate at the handshake (WsHandshakeVerifier); message consumers carry no token.
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new UnauthenticatedError('Missing bearer token', 'missing_token');
    try {
      request.user = await this.verifier.verify(token);
    } catch (error) {
      if (!(error instanceof RevocationFeedUnavailableError)) throw error;
      // 503 `unavailable` through the platform's filter, which keeps headers set before it answers.
      context
        .switchToHttp()
        .getResponse<{ header(name: string, value: string): unknown }>()
        .header('retry-after', String(error.retryAfterSeconds));
      throw new ServiceUnavailableException(error.message);
    }
    return true;
  }
}

/** `@Roles(...)` routes answer 403 to callers with another role. Runs after AccessTokenGuard. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles || roles.length === 0) return true;
    const user = context.switchToHttp().getRequest<AuthRequest>().user;
    if (!user) throw new UnauthenticatedError('Missing bearer token', 'missing_token');
    if (!roles.includes(user.role)) {
      throw new ForbiddenError(`Only ${roles.join(' or ')} may do this`, 'role_not_allowed');
    }
    return true;
  }
}

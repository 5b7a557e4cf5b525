import {
  Controller,
  ExecutionContext,
  Get,
  HttpException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '@ajla/shared-kernel';
import { RevocationFeedUnavailableError } from '../revocations/session-revocations';
import { AuthenticatedUser } from '../tokens/access-token';
import { AccessTokenVerifier } from '../tokens/access-token.verifier';
import { Public, Roles } from './decorators';
import { AccessTokenGuard, RolesGuard, bearerToken } from './guards';

@Roles('agent', 'admin')
@Controller()
class StaffController {
  @Get() queue() {}
  @Roles('admin') @Get() adminOnly() {}
}

@Controller()
class OpenController {
  @Get() anyone() {}
  @Public() @Get() health() {}
}

function contextFor(
  controller: object,
  method: string,
  request: object,
  type = 'http',
  response: object = {},
): ExecutionContext {
  return {
    getType: () => type,
    getClass: () => controller,
    getHandler: () => (controller as { prototype: Record<string, unknown> }).prototype[method],
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
}

const user = (role: AuthenticatedUser['role']): AuthenticatedUser => ({
  id: 'u',
  role,
  tier: 5000,
  sessionId: 's',
  issuedAt: 0,
});

describe('RolesGuard', () => {
  const guard = new RolesGuard(new Reflector());

  it('lets a role listed on the controller through', () => {
    expect(guard.canActivate(contextFor(StaffController, 'queue', { user: user('agent') }))).toBe(
      true,
    );
  });

  it('answers other roles with a forbidden error', () => {
    expect(() =>
      guard.canActivate(contextFor(StaffController, 'queue', { user: user('user') })),
    ).toThrow(ForbiddenError);
  });

  it('lets a method narrow the roles of its controller', () => {
    expect(() =>
      guard.canActivate(contextFor(StaffController, 'adminOnly', { user: user('agent') })),
    ).toThrow('Only admin may do this');
    expect(
      guard.canActivate(contextFor(StaffController, 'adminOnly', { user: user('admin') })),
    ).toBe(true);
  });

  it('does not restrict routes without @Roles', () => {
    expect(guard.canActivate(contextFor(OpenController, 'anyone', { user: user('user') }))).toBe(
      true,
    );
  });
});

describe('AccessTokenGuard', () => {
  const verifier = {
    verify: jest.fn(async (token: string) => ({ id: token, role: 'user', tier: 5000 })),
  };
  const guard = new AccessTokenGuard(new Reflector(), verifier as unknown as AccessTokenVerifier);

  it('puts the verified caller on the request', async () => {
    const request: { headers: object; user?: AuthenticatedUser } = {
      headers: { authorization: 'Bearer abc.def.ghi' },
    };
    await expect(guard.canActivate(contextFor(OpenController, 'anyone', request))).resolves.toBe(
      true,
    );
    expect(request.user).toEqual({ id: 'abc.def.ghi', role: 'user', tier: 5000 });
  });

  it('refuses a request without a bearer token', async () => {
    await expect(
      guard.canActivate(contextFor(OpenController, 'anyone', { headers: {} })),
    ).rejects.toThrow(UnauthenticatedError);
    await expect(
      guard.canActivate(
        contextFor(OpenController, 'anyone', { headers: { authorization: 'Basic dTpw' } }),
      ),
    ).rejects.toThrow('Missing bearer token');
  });

  it('skips @Public() routes and non-HTTP contexts', async () => {
    await expect(
      guard.canActivate(contextFor(OpenController, 'health', { headers: {} })),
    ).resolves.toBe(true);
    await expect(guard.canActivate(contextFor(OpenController, 'anyone', {}, 'rpc'))).resolves.toBe(
      true,
    );
    expect(verifier.verify).not.toHaveBeenCalled();
  });

  it('answers 503 with Retry-After, not a pass, while session revocations cannot be known', async () => {
    const blind = new AccessTokenGuard(new Reflector(), {
      verify: async () => {
        throw new RevocationFeedUnavailableError();
      },
    } as unknown as AccessTokenVerifier);
    const headers: Record<string, string> = {};
    const reply = { header: (name: string, value: string) => (headers[name] = value) };
    const request = { headers: { authorization: 'Bearer abc.def.ghi' } };
    const refusal = await blind
      .canActivate(contextFor(OpenController, 'anyone', request, 'http', reply))
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ServiceUnavailableException);
    expect((refusal as HttpException).getStatus()).toBe(503);
    expect(headers).toEqual({ 'retry-after': '1' });
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header, case-insensitively', () => {
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
    expect(bearerToken('bearer a.b.c')).toBe('a.b.c');
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Token a.b.c')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

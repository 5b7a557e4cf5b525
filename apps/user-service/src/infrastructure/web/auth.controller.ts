import { Body, Controller, HttpCode, HttpStatus, Ip, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, Public, type AuthenticatedUser } from '@ajla/auth';
import { LogInHandler } from '../../application/log-in/log-in.handler';
import { LogOutHandler } from '../../application/log-out/log-out.handler';
import { RefreshSessionHandler } from '../../application/refresh-session/refresh-session.handler';
import { RegisterUserHandler } from '../../application/register-user/register-user.handler';
import type { UserId } from '../../domain/user/user-id';
import { LoginRequest, RefreshTokenRequest, RegisterRequest } from './dto/auth.requests';
import { ErrorResponse, TokensResponse } from './dto/tokens.response';
import { UserResponse } from './dto/user.response';

@ApiTags('auth')
@ApiBadRequestResponse({
  type: ErrorResponse,
  description: 'Malformed body, unknown field, bad value.',
})
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly registerUser: RegisterUserHandler,
    private readonly logIn: LogInHandler,
    private readonly refreshSession: RefreshSessionHandler,
    private readonly logOut: LogOutHandler,
  ) {}

  @Public()
  @Post('register')
  @ApiOperation({ summary: 'Register a client account (role user, tier 5000).' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiConflictResponse({
    type: ErrorResponse,
    description: 'The e-mail is taken (in any letter case).',
  })
  async register(@Body() body: RegisterRequest): Promise<UserResponse> {
    const user = await this.registerUser.execute({
      email: body.email,
      password: body.password,
      fullName: body.full_name,
    });
    return UserResponse.from(user);
  }

  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Log in: a new session and its first token pair.' })
  @ApiOkResponse({ type: TokensResponse })
  @ApiUnauthorizedResponse({
    type: ErrorResponse,
    description: 'Unknown e-mail or wrong password (one answer).',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorResponse,
    description: 'Too many failures; see Retry-After.',
  })
  async login(
    @Body() body: LoginRequest,
    @Ip() clientAddress: string | undefined,
  ): Promise<TokensResponse> {
    const pair = await this.logIn.execute({
      email: body.email,
      password: body.password,
      clientAddress: clientAddress ?? 'unknown',
    });
    return TokensResponse.from(pair);
  }

  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair.',
    description:
      'The presented token is spent. Presenting a spent token revokes its whole session.',
  })
  @ApiOkResponse({ type: TokensResponse })
  @ApiUnauthorizedResponse({
    type: ErrorResponse,
    description: 'Unknown, spent, expired or revoked token.',
  })
  async refresh(@Body() body: RefreshTokenRequest): Promise<TokensResponse> {
    return TokensResponse.from(
      await this.refreshSession.execute({ refreshToken: body.refresh_token }),
    );
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth()
  @ApiOperation({
    summary: "End the session of a refresh token: that token's family can no longer refresh.",
    description:
      'Its access tokens are refused everywhere within a second (401 session_revoked) and its open ' +
      'chat WebSockets closed. Idempotent: 204 as well for a token that is unknown, already ' +
      "revoked, or of another account (which is left alone), so that the answer tells nothing about other people's tokens. " +
      '503 if the end could not be announced yet (retry).',
  })
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No or bad access token.' })
  async logout(
    @Body() body: RefreshTokenRequest,
    @CurrentUser() caller: AuthenticatedUser,
  ): Promise<void> {
    await this.logOut.execute({ userId: caller.id as UserId, refreshToken: body.refresh_token });
  }
}

import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@ajla/auth';
import { JwksResponse } from './dto/tokens.response';
import { PUBLIC_JWKS, type PublicJwks } from '../security/jwt-token-issuer';

/** The public key(s) that verify access tokens, for the gateway and the other services. */
@ApiTags('auth')
@Controller()
export class JwksController {
  constructor(@Inject(PUBLIC_JWKS) private readonly jwks: PublicJwks) {}

  @Public()
  @Get('.well-known/jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'JSON Web Key Set of the access-token signing key.' })
  @ApiOkResponse({ type: JwksResponse })
  wellKnown(): JwksResponse {
    return this.jwks.get();
  }

  @Public()
  @Get('api/v1/auth/jwks')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'The same JWKS, under the API prefix.' })
  @ApiOkResponse({ type: JwksResponse })
  apiJwks(): JwksResponse {
    return this.jwks.get();
  }
}

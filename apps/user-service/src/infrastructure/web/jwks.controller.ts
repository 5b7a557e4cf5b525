import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, TokenSigner } from '@ajla/auth';
import { JwksResponse } from './dto/tokens.response';

/** The public key(s) that verify access tokens, for the gateway and the other services. */
@ApiTags('auth')
@Controller()
export class JwksController {
  constructor(private readonly signer: TokenSigner) {}

  @Public()
  @Get('.well-known/jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'JSON Web Key Set of the access-token signing key.' })
  @ApiOkResponse({ type: JwksResponse })
  wellKnown(): JwksResponse {
    return this.signer.publicJwks() as JwksResponse;
  }

  @Public()
  @Get('api/v1/auth/jwks')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'The same JWKS, under the API prefix.' })
  @ApiOkResponse({ type: JwksResponse })
  apiJwks(): JwksResponse {
    return this.signer.publicJwks() as JwksResponse;
  }
}

import type { Provider } from '@nestjs/common';
import { TokenSigner } from '@ajla/auth';
import { TOKEN_ISSUER } from '../../domain/session/token-issuer.port';
import { JwtTokenIssuer } from './jwt-token-issuer';

/** The issuer on libs/auth's TokenSigner (provided by `AuthModule.forRoot({ signing: true })`). */
export const accessTokenProviders: Provider[] = [
  {
    provide: TOKEN_ISSUER,
    useFactory: (signer: TokenSigner) => new JwtTokenIssuer(signer),
    inject: [TokenSigner],
  },
];

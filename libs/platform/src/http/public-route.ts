import { SetMetadata } from '@nestjs/common';

/**
 * Metadata key of routes that need no access token. It lives here so platform routes (health,
 * metrics) can be public without depending on the auth library, whose guard honours this key.
 */
export const PUBLIC_ROUTE_KEY = 'ajla:public-route';

export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE_KEY, true);

import { buildRouteTable } from '../routing/build-route-table';
import { OpenApiDocument, mergeOpenApi } from './openapi-merge';

const routes = buildRouteTable({ env: {} });

const userDoc: OpenApiDocument = {
  openapi: '3.0.0',
  info: { title: 'user-service', version: '1' },
  paths: {
    '/api/v1/auth/login': {
      post: { operationId: 'login', responses: { 200: { $ref: '#/components/responses/Tokens' } } },
    },
    '/api/v1/users/me': {
      get: {
        responses: {
          200: {
            content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
          },
        },
      },
    },
    '/health/ready': { get: {} },
    '/metrics': { get: {} },
  },
  components: {
    schemas: {
      User: { type: 'object', properties: { id: { type: 'string' } } },
      Error: { type: 'object', properties: { detail: { type: 'string' } } },
    },
    responses: { Tokens: { description: 'tokens' } },
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  },
  tags: [{ name: 'auth' }],
};

const requestDoc: OpenApiDocument = {
  openapi: '3.0.0',
  info: { title: 'request-service', version: '1' },
  security: [{ bearer: [] }],
  paths: {
    '/api/v1/requests': {
      post: {
        responses: {
          201: {
            content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
          },
        },
      },
      get: { security: [], responses: {} },
    },
    '/api/v1/users/me': { delete: {} },
  },
  components: {
    schemas: {
      // Same name as user-service's, different meaning: it must not overwrite the user's.
      User: { type: 'object', properties: { user_id: { type: 'string' } } },
      Error: { type: 'object', properties: { detail: { type: 'string' } } },
    },
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  },
  tags: [{ name: 'auth' }, { name: 'requests' }],
};

describe('mergeOpenApi', () => {
  const merged = mergeOpenApi(
    [
      { service: 'user', document: userDoc },
      { service: 'request', document: requestDoc },
      { service: 'conversation', document: undefined },
    ],
    routes,
  );

  it('keeps only the paths the gateway routes to each service', () => {
    expect(Object.keys(merged.paths ?? {}).sort()).toEqual([
      '/api/v1/auth/login',
      '/api/v1/requests',
      '/api/v1/users/me',
    ]);
    // request-service does not own /api/v1/users/me: its operation there is not published.
    expect(Object.keys(merged.paths!['/api/v1/users/me']!)).toEqual(['get']);
  });

  it('shares identical components and renames clashing ones, rewriting their references', () => {
    const schemas = merged.components!['schemas']!;
    expect(schemas['User']).toEqual(userDoc.components!['schemas']!['User']);
    expect(schemas['RequestUser']).toEqual(requestDoc.components!['schemas']!['User']);
    expect(schemas['Error']).toBeDefined();
    expect(Object.keys(schemas)).not.toContain('RequestError');
    const post = merged.paths!['/api/v1/requests']!['post'] as {
      responses: Record<string, unknown>;
    };
    expect(JSON.stringify(post.responses)).toContain('#/components/schemas/RequestUser');
    expect(JSON.stringify(merged.paths!['/api/v1/users/me'])).toContain(
      '#/components/schemas/User"',
    );
    expect(merged.components!['securitySchemes']).toEqual({
      bearer: userDoc.components!['securitySchemes']!['bearer'],
    });
  });

  it("carries a document's global security onto its operations", () => {
    const item = merged.paths!['/api/v1/requests']!;
    expect((item['post'] as { security: unknown }).security).toEqual([{ bearer: [] }]);
    expect((item['get'] as { security: unknown }).security).toEqual([]);
  });

  it('merges tags and names the services whose document is missing', () => {
    expect(merged.tags).toEqual([{ name: 'auth' }, { name: 'requests' }]);
    expect(merged['x-ajla-missing-services']).toEqual(['conversation']);
    expect(merged.info).toMatchObject({ title: 'AJLA API' });
  });
});

module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'user-service',
  rootDir: __dirname,
  // @fastify/static (Swagger UI assets, loaded by the platform) requires the ESM-only
  // content-disposition, which Jest has to compile to CommonJS like the other ESM packages.
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@fastify|fastify|uuid|jose|nestjs-pino|content-disposition)/)',
  ],
};

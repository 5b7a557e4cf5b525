module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'messaging',
  rootDir: __dirname,
  // The module spec starts a service app: @fastify/static (Swagger UI assets, loaded by the
  // platform) requires the ESM-only content-disposition.
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@fastify|fastify|uuid|jose|nestjs-pino|content-disposition)/)',
  ],
};

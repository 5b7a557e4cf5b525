const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'auth',
  rootDir: __dirname,
  // @fastify/static (Swagger UI assets) requires the ESM-only content-disposition.
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@fastify|fastify|uuid|jose|nestjs-pino|content-disposition)/)',
  ],
};

const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'gateway',
  rootDir: __dirname,
  // Swagger UI (served at /docs) loads @fastify/static, which requires the ESM-only content-disposition.
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@fastify|fastify|uuid|jose|nestjs-pino|content-disposition)/)',
  ],
};

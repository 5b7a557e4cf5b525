// Shared Jest settings for every project. SWC compiles TypeScript (fast, keeps decorator metadata);
// ESM-only packages (NestJS 12, uuid, ...) are compiled to CommonJS too, because Jest on Node 20
// cannot require() ES modules itself.
const path = require('node:path');
const fs = require('node:fs');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swcrc.$schema;
swcrc.jsc.baseUrl = __dirname;

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(swcrc.jsc.paths)) {
  moduleNameMapper[`^${alias}$`] = path.join(__dirname, target);
}

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@fastify|fastify|uuid|jose|nestjs-pino|content-disposition)/)',
  ],
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testMatch: ['**/?(*.)+(spec|int-spec|fault-spec).ts'],
  clearMocks: true,
};

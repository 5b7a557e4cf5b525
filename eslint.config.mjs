// Lint keeps the layers and the services apart:
// - Nx module boundaries: no app imports another app; libs depend only "downwards".
// - Layer rule: src/domain and libs/shared-kernel import no framework, ORM, broker or Redis code,
//   and the domain never reaches into application or infrastructure; application never reaches
//   into infrastructure.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const frameworkPackages = [
  '@nestjs/*',
  'typeorm',
  'typeorm/*',
  'pg',
  'amqplib',
  'amqplib/*',
  'ioredis',
  'fastify',
  '@fastify/*',
  'express',
  'ws',
  'jose',
  'argon2',
  'nestjs-pino',
  'pino',
  'prom-client',
  'reflect-metadata',
  'class-validator',
  'class-transformer',
  '@ajla/platform',
  '@ajla/auth',
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', '**/tmp/**', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:kernel', onlyDependOnLibsWithTags: ['type:kernel'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:kernel'] },
            {
              sourceTag: 'type:platform',
              onlyDependOnLibsWithTags: ['type:kernel', 'type:contracts', 'type:platform'],
            },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:kernel', 'type:contracts', 'type:platform'],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:kernel',
                'type:contracts',
                'type:platform',
                'type:testing',
              ],
            },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:contracts', 'type:testing'] },
            // The web app talks to the platform through its public API only (a typed client
            // generated from the OpenAPI document), never through the services' code.
            { sourceTag: 'type:web', onlyDependOnLibsWithTags: [] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['libs/shared-kernel/**/*.ts', 'libs/contracts/**/*.ts', 'apps/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: frameworkPackages,
              message:
                'The domain is framework-free: no framework, ORM, broker or Redis code here.',
            },
            {
              group: [
                '**/application/**',
                '**/infrastructure/**',
                '../application',
                '../infrastructure',
              ],
              message: 'The domain depends on nothing outside itself.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/*/src/application/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/infrastructure/**', '../infrastructure', '../../infrastructure'],
              message: 'Application code depends on ports, not on infrastructure.',
            },
            {
              group: ['typeorm', 'typeorm/*', 'pg', 'amqplib', 'ioredis', 'fastify', '@fastify/*'],
              message: 'Application code talks to the outside through ports.',
            },
          ],
        },
      ],
    },
  },
  {
    // The web app runs in browsers (its config and e2e specs in Node).
    files: ['apps/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['apps/web/vite.config.mts', 'apps/web/e2e/**/*.ts'],
    languageOptions: { globals: globals.node },
  },
  {
    files: [
      '**/*.spec.ts',
      '**/*.spec.tsx',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      'apps/e2e/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Black-box tests read untyped JSON answers and assert on their shape.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: globals.node,
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

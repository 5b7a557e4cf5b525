// Every e2e test drives a running platform: 30 s each. Set here, per file, because a project's
// `testTimeout` is ignored when `npm test` runs every project from the root configuration.
jest.setTimeout(30_000);

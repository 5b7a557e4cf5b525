export * from './service-app';
export * from './test-event-bus';
export * from './test-tokens';
export * from './json-call';

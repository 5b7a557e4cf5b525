export * from './test-database';
export * from './migrated-database';
export * from './fakes';
export * from './wait';
export * from './tcp-proxy';
export * from './rabbitmq-vhost';
export * from './service-process';
export * from './chromium';

export * from './test-database';
export * from './migrated-database';
export * from './fakes';
export * from './wait';

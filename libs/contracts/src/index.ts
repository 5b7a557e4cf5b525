export * from './common';
export * from './events/user-events';
export * from './events/request-events';
export * from './events/conversation-events';
export * from './catalog';
export * from './envelope';
export { uuidV7 } from './uuid-v7';
export * from './topology';

// main.ts's first import: the instrumentations patch http, pg and ioredis as they are first
// required, so tracing starts before anything else loads (and, off by default, loads nothing).
import { startTracing } from '@ajla/platform/tracing';

startTracing('conversation-service');

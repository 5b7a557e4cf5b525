import { Logger } from '@nestjs/common';

/** What the relay and the consumer log through (a Nest `Logger`, or a silent one in tests). */
export interface MessagingLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, stack?: string): void;
  debug?(message: string): void;
}

export function defaultLogger(context: string): MessagingLogger {
  const logger = new Logger(context);
  return {
    log: (message) => logger.log(message),
    warn: (message) => logger.warn(message),
    error: (message, stack) => logger.error(message, stack),
    debug: (message) => logger.debug(message),
  };
}

export const silentLogger: MessagingLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A Nest logger as the proxies use it: a context object first, then the message. */
export interface ProxyLog {
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

/** Any class; config mixins extend it so a service can combine them in one config class. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Constructor<T = object> = new (...args: any[]) => T;

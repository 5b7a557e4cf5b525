/* eslint-disable @typescript-eslint/no-explicit-any -- answers of any shape, like the specs read them */
/** An HTTP answer with its JSON body parsed (undefined when empty). */
export interface JsonAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface JsonCallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as-is, as JSON (malformed bodies). */
  raw?: string;
  /** `Authorization: Bearer <token>` */
  token?: string;
  headers?: Record<string, string>;
}

/** One call to a service under test, the way a client (or the gateway) makes it. */
export async function callJson<T = any>(
  baseUrl: string,
  method: string,
  url: string,
  options: JsonCallOptions = {},
): Promise<JsonAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const body =
    options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${baseUrl}${url}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

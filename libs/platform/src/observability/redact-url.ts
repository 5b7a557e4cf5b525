/**
 * Query parameters whose values are logged: paging and filters, never anything a client could
 * make secret. Every other value (a `?token=` of a WebSocket handshake, anything unforeseen) is
 * redacted, and so is a name that does not look like a parameter name.
 */
export const LOGGED_QUERY_PARAMETERS: ReadonlySet<string> = new Set([
  'page',
  'page_size',
  'limit',
  'after_seq',
  'status',
  'role',
]);
const PARAMETER_NAME = /^[A-Za-z_]{1,32}$/;
const LOGGED_VALUE = /^[A-Za-z0-9_-]{0,64}$/;
export const REDACTED = '[REDACTED]';

/** The URL as logged (and as traced): the path, and of the query only what `LOGGED_QUERY_PARAMETERS` allows. */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const start = url.indexOf('?');
  if (start < 0) return url;
  const end = url.indexOf('#', start);
  const query = url.slice(start + 1, end < 0 ? undefined : end);
  const parameters = query.split('&').map((parameter) => {
    const equals = parameter.indexOf('=');
    const name = equals < 0 ? parameter : parameter.slice(0, equals);
    if (!PARAMETER_NAME.test(name)) return REDACTED;
    const value = equals < 0 ? undefined : parameter.slice(equals + 1);
    if (value === undefined) return name;
    const logged = LOGGED_QUERY_PARAMETERS.has(name) && LOGGED_VALUE.test(value);
    return `${name}=${logged ? value : REDACTED}`;
  });
  return `${url.slice(0, start)}?${parameters.join('&')}`;
}

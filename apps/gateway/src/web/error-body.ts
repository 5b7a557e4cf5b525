const CODE_OF_STATUS: Record<number, string> = {
  400: 'validation',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  500: 'internal',
  502: 'bad_gateway',
  503: 'unavailable',
  504: 'gateway_timeout',
};

/** The API's error body (`{"detail", "code"}`) for answers the gateway gives itself. */
export function errorBody(status: number, detail: string): { detail: string; code: string } {
  return { detail, code: CODE_OF_STATUS[status] ?? `http_${status}` };
}

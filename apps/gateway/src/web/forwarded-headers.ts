import { BlockList, isIP } from 'node:net';
import { REQUEST_ID_HEADER, RequestContext, propagationHeaders } from '@ajla/platform';

const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
};

/**
 * The proxies in front of the gateway (an ingress, a load balancer) whose `X-Forwarded-*`
 * headers may be believed. Everything else that a client sends in those headers is discarded.
 */
export class TrustedProxies {
  private constructor(
    private readonly list: BlockList,
    readonly isEmpty: boolean,
  ) {}

  static readonly none = new TrustedProxies(new BlockList(), true);

  /**
   * `spec`: comma-separated IP addresses, CIDR ranges and the names `loopback`, `private`,
   * `linklocal`. Throws one message listing every entry that is not one of those.
   */
  static parse(spec: string): TrustedProxies {
    const entries = spec
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    if (entries.length === 0) return TrustedProxies.none;

    const list = new BlockList();
    const bad: string[] = [];
    for (const entry of entries) {
      for (const range of NAMED_RANGES[entry.toLowerCase()] ?? [entry]) {
        if (!addRange(list, range)) bad.push(entry);
      }
    }
    if (bad.length > 0) {
      throw new Error(
        `not an IP address, CIDR range or one of loopback, private, linklocal: ${bad.join(', ')}`,
      );
    }
    return new TrustedProxies(list, false);
  }

  isTrusted(address: string): boolean {
    if (this.isEmpty) return false;
    const ip = unmapIpv4(address);
    const family = isIP(ip);
    return family !== 0 && this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

function addRange(list: BlockList, range: string): boolean {
  const [address, bits, ...rest] = range.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) {
    list.addAddress(address!, type);
    return true;
  }
  const prefix = Number(bits);
  if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) return false;
  list.addSubnet(address!, prefix, type);
  return true;
}

/** `::ffff:10.0.0.1` (how a dual-stack socket reports IPv4 peers) → `10.0.0.1`. */
export function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The client-to-gateway address chain, client first: the socket peer, preceded by the
 * `X-Forwarded-For` entries that trusted proxies vouch for, walking back from the nearest hop
 * and stopping after the first address not in the trusted set. A client cannot put itself
 * anywhere but first, and cannot claim someone else's address unless a trusted proxy says so.
 */
export function forwardedChain(
  peerAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): string[] {
  const peer = unmapIpv4(peerAddress ?? '');
  const chain = [peer];
  if (!peer || !trusted.isTrusted(peer) || forwardedFor === undefined) return chain;

  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((hop) => unmapIpv4(hop.trim()))
    .reverse();
  for (const hop of hops) {
    if (isIP(hop) === 0) break;
    chain.unshift(hop);
    if (!trusted.isTrusted(hop)) break;
  }
  return chain;
}

/** The client's address as far as the gateway can tell: the first of `forwardedChain`. */
export function clientAddress(
  peerAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): string {
  return forwardedChain(peerAddress, forwardedFor, trusted)[0] ?? '';
}

/** `X-Forwarded-Proto` / `X-Forwarded-Host` as seen by the client: believed only from a trusted peer. */
export function forwardedProto(
  peerTrusted: boolean,
  header: string | string[] | undefined,
  encrypted: boolean,
): string {
  const claimed = firstValue(header)?.toLowerCase();
  if (peerTrusted && (claimed === 'http' || claimed === 'https')) return claimed;
  return encrypted ? 'https' : 'http';
}

export function forwardedHost(
  peerTrusted: boolean,
  header: string | string[] | undefined,
  host: string | undefined,
): string | undefined {
  const claimed = firstValue(header);
  return peerTrusted && claimed ? claimed : host;
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(',')[0]?.trim() || undefined;
}

/** Request headers a client may send that name the client's address; never passed on as sent. */
export const SPOOFABLE_HEADERS = [
  'forwarded',
  'x-real-ip',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
];

const SPOOFED = new Set(SPOOFABLE_HEADERS);

export interface ForwardingContext {
  readonly peerAddress: string | undefined;
  readonly encrypted: boolean;
  readonly trusted: TrustedProxies;
  /** This request's id, correlation id and trace context (the gateway's span as parent). */
  readonly trace: RequestContext;
}

/**
 * The headers the gateway sets on every request it forwards: who the client is (as far as the
 * gateway can tell), how it connected, the request and correlation ids and the trace context.
 */
export function forwardingHeaders(
  incoming: Readonly<Record<string, string | string[] | undefined>>,
  context: ForwardingContext,
): Record<string, string> {
  const peerTrusted = context.trusted.isTrusted(unmapIpv4(context.peerAddress ?? ''));
  const chain = forwardedChain(context.peerAddress, incoming['x-forwarded-for'], context.trusted);
  const headers: Record<string, string> = {
    'x-forwarded-for': chain.join(', '),
    'x-forwarded-proto': forwardedProto(
      peerTrusted,
      incoming['x-forwarded-proto'],
      context.encrypted,
    ),
    [REQUEST_ID_HEADER]: context.trace.requestId,
    ...propagationHeaders(context.trace),
  };
  const host = forwardedHost(
    peerTrusted,
    incoming['x-forwarded-host'],
    typeof incoming['host'] === 'string' ? incoming['host'] : undefined,
  );
  if (host) headers['x-forwarded-host'] = host;
  return headers;
}

/**
 * The headers to send upstream: `outgoing` (the client's headers as the proxy prepared them)
 * minus what a client could spoof, plus `forwardingHeaders` computed from the client's own
 * request headers.
 */
export function withForwarding(
  outgoing: Readonly<Record<string, string | string[] | undefined>>,
  client: Readonly<Record<string, string | string[] | undefined>>,
  context: ForwardingContext,
): Record<string, string | string[] | undefined> {
  const forwarding = forwardingHeaders(client, context);
  // A trace state belongs to the trace it came with; a fresh trace starts without one.
  const clientTrace = typeof client['traceparent'] === 'string' ? client['traceparent'] : '';
  const keepTraceState = clientTrace.includes(context.trace.traceId);
  // Copied name by name rather than copied whole and pruned with `delete`, which turns the
  // object into a slow dictionary for everything that reads it afterwards.
  const headers: Record<string, string | string[] | undefined> = {};
  for (const name in outgoing) {
    if (SPOOFED.has(name) || (name === 'tracestate' && !keepTraceState)) continue;
    headers[name] = outgoing[name];
  }
  return Object.assign(headers, forwarding);
}

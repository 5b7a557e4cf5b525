// The floor of a proxy hop, beside the gateway in the HTTP benchmark: a `node:http` server that
// forwards every request to a service with undici (the client the gateway uses, a pool of kept-alive
// connections per service) and streams the answer back, hop-by-hop headers dropped. Nothing else:
// no token check, no rate limit, no request id, no log line, no security headers. What the gateway
// costs beyond it is the cost of its own work.
//
//   node tmp/bench-build-run-http/bench/baseline/bare-proxy.js '<routes JSON>'
//
// routes: `[["/api/v1/conversations", "http://127.0.0.1:8003"], ["/", "http://127.0.0.1:8002"]]`,
// the first prefix that matches a request's path wins. It prints one JSON line {"port": N} when it
// listens, and exits on SIGTERM/SIGINT.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>) {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

const routes = (JSON.parse(process.argv[2] ?? '[]') as [string, string][]).map(([prefix, url]) => ({
  prefix,
  pool: new Pool(url, { connections: 128, pipelining: 1 }),
}));

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const route = routes.find((r) => url.startsWith(r.prefix));
  if (!route) {
    res.writeHead(404).end();
    return;
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  route.pool
    .request({
      method: req.method as 'GET',
      path: url,
      headers: { ...endToEnd(req.headers), 'x-forwarded-for': req.socket.remoteAddress ?? '' },
      body: hasBody ? req : null,
    })
    .then(
      ({ statusCode, headers, body }) => {
        res.writeHead(statusCode, endToEnd(headers));
        body.pipe(res);
      },
      () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      },
    );
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));

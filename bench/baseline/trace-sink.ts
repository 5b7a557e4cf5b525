// Where the platform's spans go when a benchmark runs with BENCH_TRACING=1: an OTLP/HTTP endpoint
// that accepts every export (`POST /v1/traces`, protobuf or JSON) and reads it whole without
// decoding it, as a collector's receiver would before its pipeline. A process of its own, so its
// CPU is not the load generator's. Prints one JSON line {"port": N} when it listens; on SIGTERM or
// SIGINT prints {"exports": N, "bytes": N} and exits.
import { createServer } from 'node:http';

let exports = 0;
let bytes = 0;
const server = createServer((req, res) => {
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    if (req.method === 'POST') exports++;
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' });
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    process.stdout.write(`${JSON.stringify({ exports, bytes })}\n`);
    process.exit(0);
  });
}

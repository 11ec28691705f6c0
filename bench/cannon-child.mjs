// Runs autocannon in its own process (so the load generator does not share the event loop of the
// API it measures) and prints `@@bench {...}` with the figures bench/local-api.ts reports.
//
//   node bench/cannon-child.mjs '{"url":"...","method":"GET","headers":{},"bodyFile":null,"connections":10,"duration":10}'
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2]);
const body = options.bodyFile ? readFileSync(options.bodyFile) : undefined;

const result = await autocannon({
  url: options.url,
  method: options.method,
  headers: options.headers,
  body,
  connections: options.connections,
  duration: options.duration,
  timeout: 30,
});

const statuses = {};
for (const [code, count] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = count.count;
process.stdout.write(
  `\n@@bench ${JSON.stringify({
    requests: result.requests.total,
    durationSeconds: result.duration,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
  })}\n`,
);
process.exit(0);

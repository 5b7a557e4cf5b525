// Runs the built platform in the foreground. At once: the gateway (it needs neither of the next
// two steps) and the provisioning step (tools/provision.js: each service's Postgres owner and
// runtime roles, schema and grants, and its RabbitMQ user, the database and the broker at the same
// time; then every service runs as its own runtime role and user, and migrates as its schema's
// owner role; PROVISION=false runs them all with DATABASE_URL and RABBITMQ_URL as given). Then the
// topology step, in this process (every queue, binding, retry and dead-letter queue of the events,
// libs/messaging/src/topology-step.ts), so no event is published before its consumer's queue
// exists; then every service that exists under apps/, all at once (their start order does not
// matter), each waited for on its health endpoint, then the gateway's. It logs how long each step
// took (bench/run-startup.sh measures them). Log lines are prefixed with the service's name.
// SIGINT/SIGTERM stop every service gracefully; if any service exits, the others are stopped too.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { optionsFromEnv, provisioningPlan } = require('./provision');

const root = path.join(__dirname, '..');
const env = process.env;
const gatewayPort = Number(env.GATEWAY_PORT ?? 8000);

const BACKENDS = [
  { app: 'request-service', name: 'REQUEST', port: 8002 },
  { app: 'conversation-service', name: 'CONVERSATION', port: 8003 },
  { app: 'notification-service', name: 'NOTIFICATION', port: 8004 },
  { app: 'user-service', name: 'USER', port: 8001 },
];

const children = [];
let stopping = false;

function entry(app) {
  return path.join(root, 'dist/apps', app, 'src/main.js');
}

// What each service will connect with (`{}` for each when PROVISION=false), and `apply()`, which
// provisions it. Throws at once on a missing production password.
function planProvisioning() {
  if (!provisioningOn) {
    console.log(
      '[provision] PROVISION=false: every service connects with DATABASE_URL and RABBITMQ_URL',
    );
    return { result: { services: {} }, apply: async () => undefined };
  }
  return provisioningPlan({
    ...optionsFromEnv(env),
    // Outside production, the passwords generated here are kept for the next start, which then
    // finds the broker's users as they are and skips rabbitmqctl (tools/provision.js).
    statePath: env.PROVISION_STATE_FILE || path.join(root, 'tmp/provision-state.json'),
    log: (line) => console.log(`[provision] ${line}`),
  });
}

// The topology step (libs/messaging/src/topology-step.ts) in this process, as the topology user
// when provisioned: no Node process of its own to boot. Resolves to whether it declared everything.
async function declareTopology(runTopologyStep, rabbitmqUrl) {
  const startedAt = Date.now();
  try {
    const { exchange, services } = await runTopologyStep(
      rabbitmqUrl ? { ...env, RABBITMQ_URL: rabbitmqUrl } : env,
    );
    console.log(
      `[topology] exchange ${exchange} and the queues of ${services.join(', ')} declared in ${seconds(startedAt)}`,
    );
    return true;
  } catch (error) {
    // A ConfigError never echoes the URL; neither does amqplib's error message.
    console.error(`[topology] failed: ${error.message}`);
    return false;
  }
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(2)} s`;
}

// What provisioning alone needs (admin URLs, every service's passwords) stays out of the services'
// environment once provisioned; each gets its own URLs instead (the gateway uses neither).
const PROVISIONING_ONLY =
  /^(PROVISION_.*|RABBITMQ_MANAGEMENT_URL|TOPOLOGY_RABBITMQ_PASSWORD|[A-Z]+_SERVICE_(DB_OWNER|DB|RABBITMQ)_PASSWORD)$/;
const provisioningOn = !/^(0|false|no|off)$/i.test(env.PROVISION ?? '');
const serviceEnv = provisioningOn
  ? Object.fromEntries(Object.entries(env).filter(([name]) => !PROVISIONING_ONLY.test(name)))
  : env;
if (provisioningOn) {
  delete serviceEnv.DATABASE_URL;
  if (optionsFromEnv(env).rabbitmq) delete serviceEnv.RABBITMQ_URL;
}

// V8's compiled code of each service is kept between starts (Node 22.1+; Node 20 ignores it):
// every start after the first skips most of compiling its bundle. NODE_COMPILE_CACHE="" turns it
// off (as does NODE_DISABLE_COMPILE_CACHE=1).
const compileCache = env.NODE_COMPILE_CACHE ?? path.join(root, 'tmp/compile-cache');

// `gated`: the service loads its code, then waits for `startService(child)` before it reads its
// configuration and connects (START_SIGNAL=stdin, libs/platform/src/http/start-signal.ts).
function start(app, port, extraEnv = {}, gated = false) {
  const child = spawn(process.execPath, [entry(app)], {
    cwd: root,
    env: {
      ...serviceEnv,
      ...(compileCache ? { NODE_COMPILE_CACHE: compileCache } : {}),
      ...extraEnv,
      PORT: String(port),
      ...(gated ? { START_SIGNAL: 'stdin' } : {}),
    },
    stdio: [gated ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  child.stdin?.on('error', () => undefined); // it exited: reported below
  for (const stream of [child.stdout, child.stderr]) {
    readline
      .createInterface({ input: stream })
      .on('line', (line) => console.log(`[${app}] ${line}`));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${app} exited (${signal ?? code}); stopping the platform`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

function startService(child) {
  child.stdin.end('start\n');
}

async function waitOk(url, child) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) return false;
    const ok = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function stop(code) {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  if (alive.length === 0) process.exit(code);
  let left = alive.length;
  for (const child of alive) {
    child.once('exit', () => {
      if (--left === 0) process.exit(code);
    });
    child.kill('SIGTERM');
  }
  setTimeout(() => {
    for (const child of alive) child.kill('SIGKILL');
    process.exit(code);
  }, 15_000).unref();
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function main() {
  // Every service learns every other's URL (request-service calls conversation-service), and the
  // gateway routes to them; a service not built yet is left out (empty URL: not routed, not called).
  const urls = {};
  const ports = {};
  for (const b of BACKENDS) {
    const urlVar = `${b.name}_SERVICE_URL`;
    if (!fs.existsSync(entry(b.app))) {
      urls[urlVar] = '';
      continue;
    }
    ports[b.app] = Number(env[`${b.name}_SERVICE_PORT`] ?? b.port);
    urls[urlVar] = env[urlVar] || `http://127.0.0.1:${ports[b.app]}`;
  }
  const startedAt = Date.now();
  let plan;
  try {
    plan = planProvisioning();
  } catch (error) {
    console.error(`the provisioning step failed: ${error.message}`);
    return stop(1);
  }
  const provisioning = plan.apply();
  // Everything starts at once. The gateway needs neither provisioning nor the topology; each
  // service loads its code meanwhile (most of its start-up) and is let go once both are done.
  const gateway = start('gateway', gatewayPort, urls);
  const started = BACKENDS.filter((b) => ports[b.app] !== undefined).map((b) => ({
    app: b.app,
    port: ports[b.app],
    child: start(b.app, ports[b.app], { ...plan.result.services[b.app], ...urls }, true),
  }));
  // Loaded while provisioning waits on Postgres and rabbitmqctl.
  const { runTopologyStep } = require(path.join(root, 'dist/libs/messaging/src/topology-step.js'));
  try {
    await provisioning;
  } catch (error) {
    // pg and fetch errors do not echo a URL or a password.
    console.error(`the provisioning step failed: ${error.message}`);
    return stop(1);
  }
  if (provisioningOn) console.log(`[provision] done in ${seconds(startedAt)}`);
  if (!(await declareTopology(runTopologyStep, plan.result.topologyRabbitmqUrl))) {
    console.error('the topology step failed; see the lines above');
    return stop(1);
  }
  for (const { child } of started) startService(child);
  const ready = await Promise.all(
    started.map(({ app, port, child }) =>
      waitOk(`http://127.0.0.1:${port}/health/ready`, child).then((ok) => ok || app),
    ),
  );
  const notReady = ready.filter((result) => result !== true);
  if (notReady.length > 0) {
    console.error(`${notReady.join(', ')} did not become ready`);
    return stop(1);
  }
  if (await waitOk(`http://127.0.0.1:${gatewayPort}/health`, gateway)) {
    console.log(
      `\nAJLA is up in ${seconds(startedAt)}: http://127.0.0.1:${gatewayPort} (the web app at /, API docs at /docs, health at /health, metrics at http://127.0.0.1:${env.METRICS_PORT || 9464}/metrics). Ctrl-C stops it.\n`,
    );
  } else if (!stopping) {
    console.error(`the gateway's /health is not 200 yet; see the logs above`);
  }
}

main().catch((err) => {
  console.error(err);
  stop(1);
});

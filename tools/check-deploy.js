// Checks the deployment files before anything is deployed (npm run lint):
//
// - every Kustomize overlay (k8s/overlays/*, and k8s/base) is rendered with `kubectl kustomize`, and
//   every object it produces is validated against the Kubernetes API schema of its apiVersion and
//   kind, strictly: an unknown field, a wrong type or a missing required field fails, as the API
//   server's strict field validation would refuse it. The schema comes from the models that
//   @kubernetes/client-node generates from the Kubernetes OpenAPI document (a devDependency: its
//   version decides the Kubernetes version checked, KUBERNETES_API below), turned into JSON Schema
//   with additionalProperties false and validated with ajv. A kind with no schema there (a
//   custom resource) fails unless listed in CUSTOM_RESOURCES with a schema of its own (the Prometheus
//   Operator's ServiceMonitor and PrometheusRule: tools/schemas/*.json, strict as well);
// - every alert of a PrometheusRule has a runbook_url naming a heading of a Markdown file of the
//   repository (docs/operations.md#high-error-rate), so that no alert points to a missing runbook,
//   and every AJLA metric a rule or a Grafana dashboard (a ConfigMap labelled grafana_dashboard)
//   queries is one docs/operations.md lists among the metrics the services export (a misspelt
//   metric would make an alert that never fires, silently);
// - a rendered overlay holds no Secret (Secrets are created by hand, never applied from the repo),
//   and every Secret and key the workloads read is listed in k8s/base/provision/secrets.template.yaml,
//   whose values are empty or <placeholders> (a template, never a credential);
// - docker-compose.yml is validated against the Compose Specification's JSON Schema
//   (tools/schemas/compose-spec.json, vendored: see tools/schemas/README.md);
// - first of all, a self-test: the broken files of tools/schemas/fixtures/ must each fail with the
//   error they were made for, so that a check gone lenient cannot pass silently.
//
//   node tools/check-deploy.js     # exit 0, or one line per problem and exit 1
//
// Needs kubectl (KUBECTL, default `kubectl` on the PATH) with its built-in kustomize (kubectl >= 1.27).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const yaml = require('js-yaml');
const Ajv = require('ajv');
const { headingAnchors } = require('./check-doc-links');

const root = path.resolve(__dirname, '..');
const KUBECTL = process.env.KUBECTL || 'kubectl';
const SECRETS_TEMPLATE = 'k8s/base/provision/secrets.template.yaml';
const FIXTURES = path.join(__dirname, 'schemas', 'fixtures');

// Custom resources need their CRD's schema here: { 'group/version Kind': <JSON Schema> }. The
// schemas hold the fields of the CRD AJLA uses, and refuse unknown ones (see tools/schemas/README.md).
const customSchema = (file) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, 'schemas', file), 'utf8'));
const CUSTOM_RESOURCES = {
  'monitoring.coreos.com/v1 ServiceMonitor': customSchema('service-monitor.json'),
  'monitoring.coreos.com/v1 PrometheusRule': customSchema('prometheus-rule.json'),
};

// ---- Kubernetes schemas from @kubernetes/client-node's generated models -------------------------

const clientDir = path.dirname(
  require.resolve('@kubernetes/client-node/package.json', { paths: [root] }),
);
const modelsDir = path.join(clientDir, 'dist', 'gen', 'models');
const apisDir = path.join(clientDir, 'dist', 'gen', 'apis');
const KUBERNETES_API = (() => {
  const header = fs.readFileSync(path.join(modelsDir, 'V1Pod.js'), 'utf8');
  const match = /OpenAPI spec version: (\S+)/.exec(header);
  return match ? match[1] : 'unknown';
})();

function readModel(name) {
  const js = path.join(modelsDir, `${name}.js`);
  if (!fs.existsSync(js)) return null;
  const source = fs.readFileSync(js, 'utf8');
  const map = new RegExp(`${name}\\.attributeTypeMap = (\\[[\\s\\S]*?\\]);`).exec(source);
  if (!map) throw new Error(`${js}: no attributeTypeMap`);
  const attributes = JSON.parse(map[1]);
  // Required properties are the ones the declaration file does not mark optional.
  const declaration = fs.readFileSync(path.join(modelsDir, `${name}.d.ts`), 'utf8');
  const required = [...declaration.matchAll(/^\s+'([^']+)': /gm)].map((m) => m[1]);
  return { attributes, required };
}

function typeSchema(type, format, wanted) {
  let m;
  if ((m = /^Array<(.+)>$/.exec(type)))
    return { type: 'array', items: typeSchema(m[1], format, wanted) };
  if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) {
    return { type: 'object', additionalProperties: typeSchema(m[1], format, wanted) };
  }
  switch (type) {
    case 'string':
    case 'Date':
      return { type: 'string' };
    case 'number':
      return { type: format === 'int32' || format === 'int64' ? 'integer' : 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'IntOrString':
      return { type: ['integer', 'string'] };
    case 'any':
    case 'object':
      return {};
    default:
      wanted.push(type);
      return { $ref: `#/definitions/${type}` };
  }
}

const definitions = {};
function define(name) {
  const queue = [name];
  while (queue.length) {
    const next = queue.shift();
    if (definitions[next]) continue;
    const model = readModel(next);
    if (!model) throw new Error(`@kubernetes/client-node has no model ${next}`);
    const properties = {};
    for (const a of model.attributes) properties[a.baseName] = typeSchema(a.type, a.format, queue);
    definitions[next] = {
      type: 'object',
      properties,
      required: model.required,
      additionalProperties: false,
    };
  }
}

// apiVersion "networking.k8s.io/v1" -> API class NetworkingV1Api; the model of a kind is the one
// that API class names (V1NetworkPolicy, or EventsV1Event where two groups share a kind).
const apiSources = new Map();
function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  const pascal = (s) => s.charAt(0).toUpperCase() + s.slice(1);
  const groupName = group
    .replace(/\.k8s\.io$/, '')
    .split('.')
    .map(pascal)
    .join('');
  const api = `${groupName}${pascal(version)}Api`;
  if (!apiSources.has(api)) {
    const file = path.join(apisDir, `${api}.js`);
    apiSources.set(api, fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null);
  }
  const source = apiSources.get(api);
  if (source == null) return null;
  for (const candidate of [`${groupName}${pascal(version)}${kind}`, `${pascal(version)}${kind}`]) {
    if (source.includes(`"${candidate}"`) && fs.existsSync(path.join(modelsDir, `${candidate}.js`)))
      return candidate;
  }
  return null;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map();
function validatorFor(apiVersion, kind) {
  const key = `${apiVersion} ${kind}`;
  if (!validators.has(key)) {
    let validate = null;
    if (CUSTOM_RESOURCES[key]) {
      validate = ajv.compile(CUSTOM_RESOURCES[key]);
    } else {
      const model = modelFor(apiVersion, kind);
      if (model) {
        define(model);
        validate = ajv.compile({ $ref: `#/definitions/${model}`, definitions: { ...definitions } });
      }
    }
    validators.set(key, validate);
  }
  return validators.get(key);
}

function describe(error) {
  const where = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') {
    return `${where}: unknown field "${error.params.additionalProperty}"`;
  }
  if (error.keyword === 'required')
    return `${where}: missing required field "${error.params.missingProperty}"`;
  return `${where}: ${error.message}`;
}

function validateObject(object, origin) {
  if (!object || typeof object !== 'object') return [`${origin}: not an object`];
  const { apiVersion, kind } = object;
  const name = `${origin}: ${kind || '?'} ${object.metadata?.name || '?'}`;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return [`${name}: no apiVersion or kind`];
  const validate = validatorFor(apiVersion, kind);
  if (!validate) {
    return [
      `${name}: no schema for ${apiVersion} ${kind} in Kubernetes ${KUBERNETES_API} (a custom resource needs its schema in CUSTOM_RESOURCES)`,
    ];
  }
  if (validate(object)) return [];
  // ajv reports a branch's errors once per object: keep each line once.
  return [...new Set(validate.errors.map((e) => `${name}: ${describe(e)}`))];
}

// ---- Alerts' runbooks --------------------------------------------------------------------------

/** Every alert names its runbook: `runbook_url: docs/operations.md#<heading>`, in the repository. */
function runbookProblems(object, origin) {
  if (object?.kind !== 'PrometheusRule') return [];
  const problems = [];
  for (const group of object.spec?.groups ?? []) {
    for (const rule of group.rules ?? []) {
      if (!rule.alert) continue;
      const where = `${origin}: PrometheusRule ${object.metadata?.name}: alert ${rule.alert}`;
      const url = rule.annotations?.runbook_url;
      const match = /^([^#:]+\.md)#(.+)$/.exec(url ?? '');
      if (!match) {
        problems.push(
          `${where}: runbook_url must name a heading of a file of the repository (docs/operations.md#...)`,
        );
        continue;
      }
      const file = path.join(root, match[1]);
      if (!fs.existsSync(file) || !headingAnchors(file).has(match[2])) {
        problems.push(`${where}: runbook_url ${url}: no such heading in the repository`);
      }
    }
  }
  return problems;
}

/** The documented metrics: every `ajla_`, `gateway_` and `http_` name in docs/operations.md. */
const METRICS_DOC = 'docs/operations.md';
const METRIC_NAME = /\b(?:ajla|gateway|http)_[a-z0-9_]*[a-z0-9]/g;
let documentedMetrics;
function isDocumentedMetric(name) {
  documentedMetrics ??= new Set(
    fs.readFileSync(path.join(root, METRICS_DOC), 'utf8').match(METRIC_NAME) ?? [],
  );
  // A histogram's series are documented by its name.
  return [name, name.replace(/_(bucket|count|sum)$/, '')].some((n) => documentedMetrics.has(n));
}

/**
 * The queries of a PrometheusRule or of a dashboard ConfigMap, with where each comes from; throws
 * when a dashboard is not JSON.
 */
function queriesOf(object) {
  if (object?.kind === 'PrometheusRule') {
    return (object.spec?.groups ?? []).flatMap((group) =>
      (group.rules ?? []).map((rule) => [
        `rule ${rule.alert ?? rule.record}`,
        String(rule.expr ?? ''),
      ]),
    );
  }
  if (object?.kind === 'ConfigMap' && object.metadata?.labels?.grafana_dashboard) {
    return Object.entries(object.data ?? {}).flatMap(([file, text]) => {
      const found = [];
      // Panels' targets (`expr`) and template variables (`query`), named by the nearest title.
      const walk = (node, title) => {
        if (Array.isArray(node)) return node.forEach((item) => walk(item, title));
        if (!node || typeof node !== 'object') return;
        const here = typeof node.title === 'string' ? node.title : title;
        for (const [key, value] of Object.entries(node)) {
          if ((key === 'expr' || key === 'query') && typeof value === 'string')
            found.push([`${file} "${here ?? ''}"`, value]);
          else walk(value, here);
        }
      };
      try {
        walk(JSON.parse(text));
      } catch (error) {
        throw new Error(`${file} is not JSON: ${error.message}`, { cause: error });
      }
      return found;
    });
  }
  return [];
}

function metricProblems(object, origin) {
  let queries;
  try {
    queries = queriesOf(object);
  } catch (error) {
    return [`${origin}: ${object.kind} ${object.metadata?.name}: ${error.message}`];
  }
  const problems = [];
  for (const [where, query] of queries) {
    for (const name of new Set(query.match(METRIC_NAME) ?? [])) {
      if (!isDocumentedMetric(name)) {
        problems.push(
          `${origin}: ${object.kind} ${object.metadata?.name}: ${where} queries ${name}, which ${METRICS_DOC} does not list as a metric`,
        );
      }
    }
  }
  return problems;
}

// ---- Kustomize --------------------------------------------------------------------------------

function render(dir) {
  try {
    return execFileSync(KUBECTL, ['kustomize', dir], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    if (error.code === 'ENOENT') {
      console.error(
        `check-deploy: ${KUBECTL} not found. Install kubectl >= 1.27 (its built-in kustomize renders the overlays) or set KUBECTL.`,
      );
      process.exit(1);
    }
    throw new Error(`kubectl kustomize ${dir} failed: ${(error.stderr || error.message).trim()}`, {
      cause: error,
    });
  }
}

const documents = (text) => yaml.loadAll(text).filter((d) => d != null);

// Secret name -> { keys: Set, optional } as the workloads read them.
function secretReferences(objects) {
  const refs = new Map();
  const add = (name, key, optional) => {
    if (!refs.has(name)) refs.set(name, { keys: new Set(), optional: true });
    const ref = refs.get(name);
    if (key) ref.keys.add(key);
    ref.optional &&= Boolean(optional);
  };
  for (const object of objects) {
    const spec = object.spec?.template?.spec ?? object.spec?.jobTemplate?.spec?.template?.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      for (const e of c.envFrom ?? [])
        if (e.secretRef) add(e.secretRef.name, null, e.secretRef.optional);
      for (const e of c.env ?? []) {
        const s = e.valueFrom?.secretKeyRef;
        if (s) add(s.name, s.key, s.optional);
      }
    }
    for (const v of spec?.volumes ?? [])
      if (v.secret) add(v.secret.secretName, null, v.secret.optional);
    for (const tls of object.kind === 'Ingress' ? (object.spec?.tls ?? []) : [])
      add(tls.secretName, null, false);
  }
  return refs;
}

// A template's values: empty, or text whose only secret parts are <placeholders>.
function templateProblems(objects, origin) {
  const problems = [];
  for (const s of objects) {
    if (s.kind !== 'Secret') {
      problems.push(
        `${origin}: ${s.kind} ${s.metadata?.name}: only Secrets belong in a Secret template`,
      );
      continue;
    }
    const where = `${origin}: Secret ${s.metadata?.name}`;
    if (s.data && Object.keys(s.data).length)
      problems.push(`${where}: "data" holds values: use stringData placeholders`);
    for (const [key, value] of Object.entries(s.stringData ?? {})) {
      const text = String(value ?? '');
      // user:password@ in a URL with a literal password, or a bare literal with no placeholder.
      const literalPassword = /:\/\/[^:/@\s]+:(?!<)[^@\s]+@/.test(text);
      if (literalPassword || (text !== '' && !/<[^>]+>/.test(text))) {
        problems.push(`${where}: ${key} holds a value; a template has '' or <placeholders> only`);
      }
    }
  }
  return problems;
}

function checkOverlay(dir, templates) {
  const objects = documents(render(dir));
  const problems = objects.flatMap((o) => [
    ...validateObject(o, dir),
    ...runbookProblems(o, dir),
    ...metricProblems(o, dir),
  ]);
  for (const o of objects) {
    if (o.kind === 'Secret') {
      problems.push(
        `${dir}: Secret ${o.metadata?.name}: Secrets are created by hand (${SECRETS_TEMPLATE}), never applied from the repository`,
      );
    }
  }
  // Default deny both ways: a pod talks only where a policy allows it.
  const denyAll = objects.some(
    (o) =>
      o.kind === 'NetworkPolicy' &&
      Object.keys(o.spec?.podSelector ?? { x: 1 }).length === 0 &&
      ['Ingress', 'Egress'].every((t) => o.spec?.policyTypes?.includes(t)) &&
      !o.spec.ingress?.length &&
      !o.spec.egress?.length,
  );
  if (!denyAll)
    problems.push(
      `${dir}: no NetworkPolicy denies ingress and egress by default (podSelector {}, policyTypes Ingress and Egress, no rules)`,
    );
  for (const [name, ref] of secretReferences(objects)) {
    const template = templates.get(name);
    if (!template) {
      problems.push(`${dir}: Secret ${name} is read by a workload but not in ${SECRETS_TEMPLATE}`);
      continue;
    }
    for (const key of ref.keys) {
      if (!template.has(key))
        problems.push(`${dir}: Secret ${name} key ${key} is read but not in ${SECRETS_TEMPLATE}`);
    }
  }
  return problems;
}

// ---- Compose ----------------------------------------------------------------------------------

const composeSchema = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'schemas', 'compose-spec.json'), 'utf8'),
);
// Its $schema names draft-07 by its https address, which ajv (draft-07 built in) knows by its http one.
delete composeSchema.$schema;
const validateCompose = new Ajv({ allErrors: true, strict: false }).compile(composeSchema);

function checkCompose(file) {
  // Compose reads YAML 1.2 with merge keys (`<<: *service-env`).
  const data = yaml.load(fs.readFileSync(file, 'utf8'), {
    schema: yaml.CORE_SCHEMA.withTags(yaml.mergeTag),
  });
  if (validateCompose(data)) return [];
  return [
    ...new Set(validateCompose.errors.map((e) => `${path.relative(root, file)}: ${describe(e)}`)),
  ];
}

// ---- Self-test, then the repository's files ---------------------------------------------------

function selfTest() {
  const failures = [];
  const expect = (label, problems, pattern) => {
    if (!problems.some((p) => pattern.test(p))) {
      failures.push(
        `self-test: ${label} should fail with ${pattern}, got: ${problems.join(' | ') || 'no problem'}`,
      );
    }
  };
  const load = (name) => documents(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
  const k8s = (name) => load(name).flatMap((o) => validateObject(o, name));
  expect('unknown field', k8s('deployment-unknown-field.yaml'), /unknown field "imagePullPolicyy"/);
  expect('wrong type', k8s('service-wrong-type.yaml'), /\/spec\/ports\/0\/port: must be integer/);
  expect(
    'missing field',
    k8s('job-missing-containers.yaml'),
    /missing required field "containers"/,
  );
  expect(
    'unknown kind',
    k8s('unknown-kind.yaml'),
    /no schema for monitoring\.coreos\.com\/v1 PodMonitor/,
  );
  expect(
    'ServiceMonitor unknown field',
    k8s('servicemonitor-unknown-field.yaml'),
    /\/spec\/endpoints\/0: unknown field "scrapeInterval"/,
  );
  expect(
    'PrometheusRule missing expr',
    k8s('prometheusrule-broken.yaml'),
    /\/spec\/groups\/0\/rules\/0: missing required field "expr"/,
  );
  expect(
    'metric',
    load('prometheusrule-broken.yaml').flatMap((o) => metricProblems(o, 'fixture')),
    /rule NoRunbook queries ajla_outbox_oldest_unsend_age_seconds, which docs\/operations\.md does not list/,
  );
  expect(
    'runbook',
    load('prometheusrule-broken.yaml').flatMap((o) => runbookProblems(o, 'fixture')),
    /alert NoRunbook: runbook_url docs\/operations\.md#no-such-runbook: no such heading/,
  );
  expect(
    'secret value',
    templateProblems(load('secret-with-value.yaml'), 'fixture'),
    /PASSWORD holds a value/,
  );
  expect(
    'secret URL',
    templateProblems(load('secret-with-value.yaml'), 'fixture'),
    /DATABASE_URL holds a value/,
  );
  expect(
    'compose',
    checkCompose(path.join(FIXTURES, 'compose-unknown-key.yml')),
    /unknown field "restart_policy"/,
  );
  if (k8s('valid.yaml').length)
    failures.push(`self-test: valid.yaml should pass: ${k8s('valid.yaml').join(' | ')}`);
  return failures;
}

function main() {
  const problems = selfTest();

  const templateObjects = documents(fs.readFileSync(path.join(root, SECRETS_TEMPLATE), 'utf8'));
  problems.push(...templateObjects.flatMap((o) => validateObject(o, SECRETS_TEMPLATE)));
  problems.push(...templateProblems(templateObjects, SECRETS_TEMPLATE));
  const templates = new Map(
    templateObjects.map((s) => [
      s.metadata?.name,
      new Set(Object.keys({ ...s.data, ...s.stringData })),
    ]),
  );

  const overlays = fs
    .readdirSync(path.join(root, 'k8s', 'overlays'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `k8s/overlays/${e.name}`);
  for (const dir of ['k8s/base', ...overlays]) problems.push(...checkOverlay(dir, templates));

  problems.push(...checkCompose(path.join(root, 'docker-compose.yml')));

  if (problems.length) {
    for (const p of problems) console.error(p);
    console.error(`check-deploy: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log(
    `check-deploy: ${overlays.length} overlays and k8s/base valid against Kubernetes ${KUBERNETES_API} (strict), docker-compose.yml against the Compose Specification`,
  );
}

main();

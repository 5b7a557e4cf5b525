// Runs the alert rules of k8s/components/monitoring/prometheus-rules.yaml through promtool
// (Prometheus's own parser and rule engine): `promtool check rules` on the rules as Prometheus
// loads them, then `promtool test rules` with tools/alert-tests/alerts.test.yaml, which executes
// every alert against series that should make it fire. Part of `npm run lint`. promtool comes with
// Debian's `prometheus` package (scripts/promtool.sh installs it in CI); without it the check is
// skipped with a message, except under CI=true, where it fails.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const YAML = require('yaml');

const root = path.join(__dirname, '..');
const RULES = path.join(root, 'k8s/components/monitoring/prometheus-rules.yaml');
const TESTS = path.join(__dirname, 'alert-tests/alerts.test.yaml');

function promtool() {
  const found = spawnSync('promtool', ['--version'], { stdio: 'ignore' });
  return found.error === undefined && found.status === 0;
}

function main() {
  if (!promtool()) {
    const message = 'check-alerts: promtool is not installed (apt-get install prometheus)';
    if (process.env.CI === 'true') {
      console.error(message);
      return 1;
    }
    console.log(`${message}: skipped`);
    return 0;
  }
  const { spec } = YAML.parse(fs.readFileSync(RULES, 'utf8'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ajla-alerts-'));
  try {
    const rules = path.join(dir, 'rules.yaml');
    fs.writeFileSync(rules, YAML.stringify({ groups: spec.groups }));
    execFileSync('promtool', ['check', 'rules', rules], { stdio: ['ignore', 'ignore', 'inherit'] });
    // The tests compare labels; annotations (the runbooks) are tools/check-deploy.js's to check.
    const bare = spec.groups.map((group) => ({
      ...group,
      rules: group.rules.map((rule) => {
        const copy = { ...rule };
        delete copy.annotations;
        return copy;
      }),
    }));
    const testedRules = path.join(dir, 'rules-without-annotations.yaml');
    fs.writeFileSync(testedRules, YAML.stringify({ groups: bare }));
    const tests = YAML.parse(fs.readFileSync(TESTS, 'utf8'));
    const testFile = path.join(dir, 'alerts.test.yaml');
    fs.writeFileSync(testFile, YAML.stringify({ ...tests, rule_files: [testedRules] }));
    const run = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
    if (run.status !== 0) {
      process.stderr.write(run.stdout + run.stderr);
      console.error('check-alerts: an alert rule test failed (tools/alert-tests/alerts.test.yaml)');
      return 1;
    }
    const alerts = spec.groups.flatMap((group) => group.rules.map((rule) => rule.alert));
    const tested = new Set(
      tests.tests.flatMap((test) => test.alert_rule_test.map((check) => check.alertname)),
    );
    const untested = alerts.filter((alert) => !tested.has(alert));
    if (untested.length > 0) {
      console.error(`check-alerts: no test fires ${untested.join(', ')}`);
      return 1;
    }
    console.log(`check-alerts: ${alerts.length} alert rules parsed by promtool and each tested`);
    return 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.exit(main());

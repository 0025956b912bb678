// @ts-check
// Assertions on what the chart renders (run by check.sh, which sets HELM_BIN): the settings whose loss
// would hurt in production without failing any schema check.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const CHART = join(ROOT, 'helm', 'shopnest-live');
const HELM = process.env.HELM_BIN ?? 'helm';
const KUBE_VERSION = process.env.KUBE_VERSION ?? '1.30.0';
const SECRET_VARIABLES = ['JWT_SECRET', 'SERVICE_TOKEN', 'DATABASE_URL', 'REDIS_URL'];

/** @typedef {{ kind: string, metadata: { name: string, labels?: Record<string, string>, annotations?: Record<string, string> }, spec: any }} K8sObject */

/** @param {string[]} args @returns {K8sObject[]} */
function render(...args) {
  const out = execFileSync(
    HELM,
    ['template', 'shopnest', CHART, '--namespace', 'shopnest', '--kube-version', KUBE_VERSION, ...args],
    { encoding: 'utf8' },
  );
  return parseAllDocuments(out)
    .map((doc) => doc.toJS())
    .filter(Boolean);
}

/** @param {K8sObject[]} objects @param {string} kind @param {string} component */
function find(objects, kind, component) {
  return objects.find((o) => o.kind === kind && o.metadata.labels?.['app.kubernetes.io/component'] === component);
}

/** @param {K8sObject} deployment @returns {Record<string, any>} env entries by name */
function envOf(deployment) {
  return Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((/** @type {any} */ e) => [e.name, e]));
}

const COMPONENTS = ['connection-edge', 'order-tracking', 'notification-worker'];
const defaults = render();
const websocketOnly = render('--values', join(CHART, 'ci', 'websocket-only-values.yaml'));
const polling = render('--values', join(CHART, 'ci', 'polling-values.yaml'));

test('every service is a Deployment with startup, liveness and readiness probes on /health', () => {
  for (const component of COMPONENTS) {
    const deployment = find(defaults, 'Deployment', component);
    assert.ok(deployment, `${component} Deployment`);
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container.startupProbe.httpGet.path, '/health/live');
    assert.equal(container.livenessProbe.httpGet.path, '/health/live');
    assert.equal(container.readinessProbe.httpGet.path, '/health/ready');
  }
});

test('the grace period outlasts preStop plus the service shutdown budget', () => {
  for (const component of COMPONENTS) {
    const deployment = /** @type {K8sObject} */ (find(defaults, 'Deployment', component));
    const pod = deployment.spec.template.spec;
    const shutdownMs = Number(envOf(deployment).SHUTDOWN_TIMEOUT_MS.value);
    const preStop = pod.containers[0].lifecycle?.preStop?.exec?.command?.[2] ?? '';
    const preStopMs = Number(/(\d+)\)$/.exec(preStop)?.[1] ?? 0);
    assert.ok(pod.terminationGracePeriodSeconds * 1000 > preStopMs + shutdownMs, component);
  }
  assert.ok(find(defaults, 'Deployment', 'connection-edge')?.spec.template.spec.containers[0].lifecycle.preStop);
  // The edge's drain fits in its shutdown budget.
  const edgeEnv = envOf(/** @type {K8sObject} */ (find(defaults, 'Deployment', 'connection-edge')));
  assert.ok(
    Number(edgeEnv.SHUTDOWN_TIMEOUT_MS.value) >
      Number(edgeEnv.DRAIN_DELAY_MS.value) + Number(edgeEnv.DRAIN_WINDOW_MS.value),
  );
  const tooShort = spawnSync(
    HELM,
    ['template', 'x', CHART, '--kube-version', KUBE_VERSION, '--set', 'connectionEdge.shutdownTimeoutSeconds=10'],
    { encoding: 'utf8' },
  );
  assert.notEqual(tooShort.status, 0);
  assert.match(tooShort.stderr, /shutdownTimeoutSeconds must exceed/);
});

test('each PodDisruptionBudget selects exactly its own Deployment’s pods', () => {
  for (const component of COMPONENTS) {
    const pdb = find(defaults, 'PodDisruptionBudget', component);
    const deployment = find(defaults, 'Deployment', component);
    assert.ok(pdb && deployment, component);
    assert.equal(pdb.spec.maxUnavailable, 1);
    const podLabels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) assert.equal(podLabels[k], v);
  }
  assert.equal(find(polling, 'PodDisruptionBudget', 'connection-edge')?.spec.maxUnavailable, '25%');
});

test('the edge autoscales on CPU by default and on connections per pod when switched', () => {
  const cpu = find(defaults, 'HorizontalPodAutoscaler', 'connection-edge');
  assert.equal(cpu?.spec.scaleTargetRef.name, find(defaults, 'Deployment', 'connection-edge')?.metadata.name);
  assert.deepEqual(cpu?.spec.metrics, [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
  ]);
  const connections = find(websocketOnly, 'HorizontalPodAutoscaler', 'connection-edge');
  assert.deepEqual(connections?.spec.metrics, [
    {
      type: 'Pods',
      pods: { metric: { name: 'shopnest_edge_connections' }, target: { type: 'AverageValue', averageValue: '8000' } },
    },
  ]);
  // With an HPA the Deployment leaves replicas to it; without one it sets them.
  assert.equal(find(defaults, 'Deployment', 'connection-edge')?.spec.replicas, undefined);
  assert.equal(find(defaults, 'HorizontalPodAutoscaler', 'notification-worker'), undefined);
  assert.equal(find(websocketOnly, 'Deployment', 'notification-worker')?.spec.replicas, 3);
});

test('cookie affinity on the edge Ingress exactly when long-polling is on', () => {
  const sticky = find(polling, 'Ingress', 'connection-edge')?.metadata.annotations ?? {};
  assert.equal(sticky['nginx.ingress.kubernetes.io/affinity'], 'cookie');
  assert.equal(
    envOf(/** @type {K8sObject} */ (find(polling, 'Deployment', 'connection-edge'))).SOCKET_TRANSPORTS.value,
    'websocket,polling',
  );
  const plain = find(websocketOnly, 'Ingress', 'connection-edge')?.metadata.annotations ?? {};
  assert.equal(plain['nginx.ingress.kubernetes.io/affinity'], undefined);
  assert.equal(plain['nginx.ingress.kubernetes.io/proxy-read-timeout'], '3600');
  assert.equal(
    envOf(/** @type {K8sObject} */ (find(websocketOnly, 'Deployment', 'connection-edge'))).SOCKET_TRANSPORTS.value,
    'websocket',
  );
  assert.equal(find(defaults, 'Ingress', 'connection-edge'), undefined);
});

test('secrets come only from Secret references, and values refuse them in clear', () => {
  for (const objects of [defaults, websocketOnly, polling]) {
    for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
      for (const [name, entry] of Object.entries(envOf(deployment))) {
        if (SECRET_VARIABLES.includes(name)) assert.ok(entry.valueFrom?.secretKeyRef && !('value' in entry), name);
      }
    }
  }
  assert.equal(
    envOf(/** @type {K8sObject} */ (find(websocketOnly, 'Deployment', 'order-tracking'))).JWT_SECRET,
    undefined,
  );
  const refused = spawnSync(
    HELM,
    [
      'template',
      'x',
      CHART,
      '--kube-version',
      KUBE_VERSION,
      '--set',
      'notificationWorker.env.REDIS_URL=redis://:pw@redis:6379',
    ],
    { encoding: 'utf8' },
  );
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /REDIS_URL|propertyNames|schema/i);
});

test('the edge asks the order-tracking Service, which admits edges through its NetworkPolicy', () => {
  const edgeEnv = envOf(/** @type {K8sObject} */ (find(defaults, 'Deployment', 'connection-edge')));
  const ordersService = find(defaults, 'Service', 'order-tracking');
  assert.equal(edgeEnv.ORDER_TRACKING_URL.value, `http://${ordersService?.metadata.name}:3001`);
  const policy = find(defaults, 'NetworkPolicy', 'order-tracking');
  const peers = policy?.spec.ingress.flatMap((/** @type {any} */ rule) => rule.from);
  assert.ok(
    peers.some(
      (/** @type {any} */ p) => p.podSelector?.matchLabels['app.kubernetes.io/component'] === 'connection-edge',
    ),
  );
  assert.equal(find(polling, 'NetworkPolicy', 'order-tracking'), undefined);
});

/** Every metric name our services register: their own (`metrics.counter('name', ...)` in libs/) and prom-client's defaults. */
async function registeredMetricNames() {
  const names = new Set();
  const sources = execFileSync('git', ['ls-files', 'libs/*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file && !/\.(int-|e2e-)?spec\.ts$/.test(file));
  for (const file of sources) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const match of text.matchAll(/metrics\.(?:counter|gauge|histogram)\(\s*'([a-z_]+)'/g))
      names.add(`shopnest_${match[1]}`);
  }
  const { Registry, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shopnest_' });
  for (const metric of await registry.getMetricsAsJSON()) names.add(metric.name);
  return names;
}

test('the dashboard and the alert rules use only metrics the services export', async () => {
  const known = await registeredMetricNames();
  assert.ok(known.has('shopnest_edge_connections') && known.has('shopnest_process_resident_memory_bytes'));
  const dashboard = readFileSync(join(CHART, 'dashboards', 'shopnest-live.json'), 'utf8');
  const rule = websocketOnly.find((o) => o.kind === 'PrometheusRule');
  const configMap = websocketOnly.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboard'));
  assert.ok(rule && configMap, 'PrometheusRule and dashboard ConfigMap rendered when switched on');
  const shipped = /** @type {{ data: Record<string, string> }} */ (/** @type {unknown} */ (configMap)).data[
    'shopnest-live.json'
  ];
  assert.equal(JSON.parse(shipped).uid, 'shopnest-live');
  const used = [...`${dashboard}\n${JSON.stringify(rule.spec)}`.matchAll(/shopnest_[a-z0-9_]+/g)].map((m) =>
    m[0].replace(/_(bucket|sum|count)$/, ''),
  );
  assert.ok(used.length > 10);
  assert.deepEqual(
    [...new Set(used)].filter((name) => !known.has(name)),
    [],
  );
});

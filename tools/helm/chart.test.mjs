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

/** @param {string[]} args @returns {import("node:child_process").SpawnSyncReturns<string>} a render that may fail */
function tryRender(...args) {
  return spawnSync(HELM, ['template', 'x', CHART, '--kube-version', KUBE_VERSION, ...args], { encoding: 'utf8' });
}

/** @param {K8sObject[]} objects @param {string} component @returns {string[]} components whose pods its NetworkPolicy admits */
function admittedPods(objects, component) {
  const policy = find(objects, 'NetworkPolicy', component);
  return policy?.spec.ingress
    .flatMap((/** @type {any} */ rule) => rule.from)
    .map((/** @type {any} */ peer) => peer.podSelector?.matchLabels['app.kubernetes.io/component'])
    .filter(Boolean);
}

const COMPONENTS = ['connection-edge', 'order-tracking', 'support-desk', 'notification-worker'];
const defaults = render();
const websocketOnly = render('--values', join(CHART, 'ci', 'websocket-only-values.yaml'));
const polling = render('--values', join(CHART, 'ci', 'polling-values.yaml'));
const withoutSupport = render('--set', 'supportDesk.enabled=false');

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
  const tooShort = tryRender('--set', 'connectionEdge.shutdownTimeoutSeconds=10');
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
  for (const component of ['order-tracking', 'support-desk']) {
    const hpa = find(defaults, 'HorizontalPodAutoscaler', component);
    assert.equal(hpa?.spec.scaleTargetRef.name, find(defaults, 'Deployment', component)?.metadata.name, component);
    assert.equal(hpa?.spec.metrics[0].resource.target.averageUtilization, 70, component);
  }
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
  const refused = tryRender('--set', 'notificationWorker.env.REDIS_URL=redis://:pw@redis:6379');
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /REDIS_URL|propertyNames|schema/i);
  const tokenInClear = tryRender('--set', 'supportDesk.env.SERVICE_TOKEN=a.b.c');
  assert.notEqual(tokenInClear.status, 0);
});

test('a misspelt key of a service block is refused, not silently ignored', () => {
  for (const key of ['supportDesk.databseSchema=x', 'orderTracking.replicas=3', 'connectionEdge.serviceTokn.key=x']) {
    const misspelt = tryRender('--set', key);
    assert.notEqual(misspelt.status, 0, key);
    assert.match(misspelt.stderr, /must be one of/, key);
  }
});

test('the edge asks the order-tracking Service, which admits edges through its NetworkPolicy', () => {
  const edgeEnv = envOf(/** @type {K8sObject} */ (find(defaults, 'Deployment', 'connection-edge')));
  const ordersService = find(defaults, 'Service', 'order-tracking');
  assert.equal(edgeEnv.ORDER_TRACKING_URL.value, `http://${ordersService?.metadata.name}:3001`);
  assert.deepEqual(admittedPods(defaults, 'order-tracking'), ['connection-edge', 'support-desk']);
  assert.equal(find(polling, 'NetworkPolicy', 'order-tracking'), undefined);
});

test('notification-worker: PUBLISH_ALLOWLIST from values, and only publishFrom (besides metrics) reaches POST /notifications', () => {
  const payments = { namespaceSelector: { matchLabels: { team: 'payments' } } };
  const objects = render(
    '--set',
    'notificationWorker.publishAllowlist=payments=user:*',
    '--set-json',
    `networkPolicy.publishFrom=${JSON.stringify([payments])}`,
  );
  const env = envOf(/** @type {K8sObject} */ (find(objects, 'Deployment', 'notification-worker')));
  assert.equal(env.PUBLISH_ALLOWLIST.value, 'payments=user:*');
  assert.equal(
    envOf(/** @type {K8sObject} */ (find(defaults, 'Deployment', 'notification-worker'))).PUBLISH_ALLOWLIST.value,
    '',
  );
  const peers = find(objects, 'NetworkPolicy', 'notification-worker')?.spec.ingress.flatMap(
    (/** @type {any} */ r) => r.from,
  );
  assert.ok(peers.some((/** @type {any} */ p) => p.namespaceSelector?.matchLabels.team === 'payments'));
  assert.ok(
    !peers.some(
      (/** @type {any} */ p) => p.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'ingress-nginx',
    ),
  );
});

test('support-desk: the orders database in a schema of its own, order look-ups to the order-tracking Service', () => {
  const env = envOf(/** @type {K8sObject} */ (find(defaults, 'Deployment', 'support-desk')));
  assert.equal(env.PORT.value, '3003');
  assert.deepEqual(env.DATABASE_URL.valueFrom.secretKeyRef, { name: 'shopnest-postgres', key: 'DATABASE_URL' });
  assert.equal(env.DATABASE_SCHEMA.value, 'support');
  assert.equal(env.EVENT_BUS.value, 'kafka');
  assert.equal(
    env.ORDER_TRACKING_URL.value,
    `http://${find(defaults, 'Service', 'order-tracking')?.metadata.name}:3001`,
  );
  assert.deepEqual(env.SERVICE_TOKEN.valueFrom.secretKeyRef, {
    name: 'shopnest-support-desk-service-token',
    key: 'SERVICE_TOKEN',
  });
  const ownDatabase = envOf(/** @type {K8sObject} */ (find(websocketOnly, 'Deployment', 'support-desk')));
  assert.equal(ownDatabase.DATABASE_URL.valueFrom.secretKeyRef.name, 'shopnest-support-postgres');
  // One schema for both services would mix their migrations and outbox tables.
  const shared = tryRender('--set', 'supportDesk.databaseSchema=public');
  assert.notEqual(shared.status, 0);
  assert.match(shared.stderr, /supportDesk.databaseSchema must differ from postgres.schema/);
  assert.equal(
    tryRender('--set', 'supportDesk.databaseSchema=public', '--set', 'orderTracking.enabled=false').status,
    0,
  );
  // Its Ingress serves /tickets only: /docs is order-tracking's on the shared host, /internal stays inside.
  const ingress = find(websocketOnly, 'Ingress', 'support-desk');
  assert.deepEqual(
    ingress?.spec.rules[0].http.paths.map((/** @type {any} */ p) => [p.path, p.backend.service.name]),
    [['/tickets', find(websocketOnly, 'Service', 'support-desk')?.metadata.name]],
  );
  assert.equal(find(defaults, 'Ingress', 'support-desk'), undefined);
});

test("notification-worker: users' inboxes in the orders database, in a schema of their own", () => {
  const env = envOf(/** @type {K8sObject} */ (find(defaults, 'Deployment', 'notification-worker')));
  assert.deepEqual(env.DATABASE_URL.valueFrom.secretKeyRef, { name: 'shopnest-postgres', key: 'DATABASE_URL' });
  assert.equal(env.DATABASE_SCHEMA.value, 'inbox');
  const shared = tryRender('--set', 'notificationWorker.databaseSchema=support');
  assert.notEqual(shared.status, 0);
  assert.match(shared.stderr, /notificationWorker.databaseSchema must differ/);
  // Its Ingress serves /inbox only; without one, its NetworkPolicy admits none of networkPolicy.ingressFrom.
  const ingress = find(websocketOnly, 'Ingress', 'notification-worker');
  assert.deepEqual(
    ingress?.spec.rules[0].http.paths.map((/** @type {any} */ p) => [p.path, p.backend.service.name]),
    [['/inbox', find(websocketOnly, 'Service', 'notification-worker')?.metadata.name]],
  );
  assert.equal(find(defaults, 'Ingress', 'notification-worker'), undefined);
});

test('the edge asks the support-desk Service whose ticket it is, and support-desk admits edges', () => {
  const edgeEnv = envOf(/** @type {K8sObject} */ (find(defaults, 'Deployment', 'connection-edge')));
  assert.equal(
    edgeEnv.SUPPORT_DESK_URL.value,
    `http://${find(defaults, 'Service', 'support-desk')?.metadata.name}:3003`,
  );
  assert.deepEqual(admittedPods(defaults, 'support-desk'), ['connection-edge']);
  const servicePort = find(defaults, 'Service', 'support-desk')?.spec.ports[0];
  assert.deepEqual([servicePort.port, servicePort.targetPort], [3003, 'http']);
  assert.ok(find(websocketOnly, 'ServiceMonitor', 'support-desk'));
});

test('with supportDesk disabled nothing of it renders and the edge has no SUPPORT_DESK_URL', () => {
  assert.deepEqual(
    withoutSupport.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'support-desk'),
    [],
  );
  const edgeEnv = envOf(/** @type {K8sObject} */ (find(withoutSupport, 'Deployment', 'connection-edge')));
  assert.equal(edgeEnv.SUPPORT_DESK_URL, undefined);
  assert.ok(edgeEnv.ORDER_TRACKING_URL);
  assert.deepEqual(admittedPods(withoutSupport, 'order-tracking'), ['connection-edge']);
  const all = render('--set', 'supportDesk.enabled=false', '--values', join(CHART, 'ci', 'websocket-only-values.yaml'));
  assert.deepEqual(
    all.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'support-desk').map((o) => o.kind),
    [],
  );
});

/** Every metric name our services register: their own (`metrics.counter('name', ...)` in libs/) and prom-client's defaults. */
async function registeredMetricNames() {
  const names = new Set();
  const sources = execFileSync('git', ['ls-files', 'libs/*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file && !/\.(int-|e2e-)?spec\.ts$/.test(file));
  for (const file of sources) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const match of text.matchAll(/metrics\??\.(?:counter|gauge|histogram)\(\s*'([a-z_]+)'/g))
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

test('every variable docker-compose.yml gives a service, the chart gives it too', () => {
  const compose = parseAllDocuments(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true })[0].toJS();
  // Set what the chart leaves out while empty, so only a real omission shows.
  const objects = render(
    ...['--set', 'jwt.issuer=shopnest', '--set', 'connectionEdge.corsOrigins=https://shop.example'],
    ...[
      '--set',
      'orderTracking.corsOrigins=https://shop.example',
      '--set',
      'supportDesk.corsOrigins=https://shop.example',
      '--set',
      'notificationWorker.corsOrigins=https://shop.example',
    ],
  );
  const built = Object.entries(compose.services).filter(([, service]) => /** @type {any} */ (service).build);
  assert.deepEqual(built.map(([name]) => name).sort(), [...COMPONENTS].sort());
  for (const [name, service] of built) {
    const chartEnv = envOf(/** @type {K8sObject} */ (find(objects, 'Deployment', name)));
    const missing = Object.keys(/** @type {any} */ (service).environment).filter((key) => !(key in chartEnv));
    assert.deepEqual(missing, [], `${name}: set in docker-compose.yml, not by the chart`);
  }
});

test('tracing: no OTEL_* variable by default (off); with tracing.otlpEndpoint every service exports there', () => {
  for (const component of COMPONENTS) {
    const off = envOf(/** @type {K8sObject} */ (find(defaults, 'Deployment', component)));
    assert.deepEqual(
      Object.keys(off).filter((name) => name.startsWith('OTEL_')),
      [],
    );
    const on = envOf(/** @type {K8sObject} */ (find(polling, 'Deployment', component)));
    assert.equal(on.OTEL_EXPORTER_OTLP_ENDPOINT?.value, 'http://otel-collector.monitoring:4318', component);
    assert.equal(on.OTEL_EXPORTER_OTLP_PROTOCOL?.value, 'http/protobuf');
    assert.equal(on.OTEL_TRACES_SAMPLER?.value, 'parentbased_traceidratio');
    assert.equal(on.OTEL_TRACES_SAMPLER_ARG?.value, '0.25');
  }
});

// @ts-check
/**
 * Offline checks of the Docker setup (no Docker engine needed): docker-compose.yml against the
 * Compose Specification's JSON schema plus this repo's rules, and the Dockerfile's rules.
 * Prints one line per problem and exits 1, or prints one OK line.
 *
 * Usage: node tools/docker/validate.mjs [compose.yml] [Dockerfile]
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parseDocument } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [composeArg, dockerfileArg, ...extra] = process.argv.slice(2);
if (extra.length > 0 || [composeArg, dockerfileArg].some((a) => a?.startsWith('-'))) {
  console.error('usage: node tools/docker/validate.mjs [compose.yml] [Dockerfile]');
  process.exit(2);
}
const composeFile = path.resolve(composeArg ?? path.join(repoRoot, 'docker-compose.yml'));
const dockerfile = path.resolve(dockerfileArg ?? path.join(repoRoot, 'Dockerfile'));

/** @type {string[]} */
const problems = [];
/** @param {string} file @param {string} message */
const report = (file, message) => problems.push(`${shown(file)}: ${message}`);

/** @param {string} file a path relative to the working directory when inside it */
function shown(file) {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

/** @param {unknown} value @returns {value is Record<string, any>} */
const isMap = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

// The Compose Specification's schema as dclint ships it (copied from compose-spec/compose-spec).
const require = createRequire(import.meta.url);
const dclintDir = path.dirname(require.resolve('dclint/package.json'));
const dclintVersion = require('dclint/package.json').version;
const composeSchema = JSON.parse(readFileSync(path.join(dclintDir, 'schemas/compose.schema.json'), 'utf8'));
// It names draft-07 by an https URL, which Ajv does not know; Ajv's default draft is draft-07.
delete composeSchema.$schema;
// The upstream schema uses union types and untyped `patternProperties`: allow those, keep the rest strict.
const validateSchema = new Ajv({
  allErrors: true,
  allowUnionTypes: true,
  strictTypes: false,
}).compile(composeSchema);

/** @param {unknown} healthcheck @returns {string} the test command as one string, '' if none */
function healthcheckTest(healthcheck) {
  if (!isMap(healthcheck) || healthcheck.disable === true) return '';
  const test = healthcheck.test;
  const command = Array.isArray(test) ? test.join(' ') : String(test ?? '');
  return /^\s*NONE\b/.test(command) ? '' : command;
}

/** @param {unknown} environment @param {string} key */
function envValue(environment, key) {
  if (isMap(environment)) return environment[key] == null ? undefined : String(environment[key]);
  if (Array.isArray(environment)) {
    const entry = environment.map(String).find((e) => e.startsWith(`${key}=`));
    return entry?.slice(key.length + 1);
  }
  return undefined;
}

/** @returns {number} how many services were checked */
function checkCompose() {
  if (!existsSync(composeFile)) {
    report(composeFile, 'not found');
    return 0;
  }
  // Compose files use YAML merge keys (`<<: *anchor`).
  const doc = parseDocument(readFileSync(composeFile, 'utf8'), { merge: true });
  for (const error of [...doc.errors, ...doc.warnings])
    report(composeFile, `YAML: ${error.message.split('\n')[0].replace(/:$/, '')}`);
  if (doc.errors.length > 0) return 0;
  const compose = doc.toJS();

  if (!validateSchema(compose)) {
    const seen = new Set();
    for (const e of validateSchema.errors ?? []) {
      const detail = e.params && 'additionalProperty' in e.params ? ` '${e.params.additionalProperty}'` : '';
      const line = `compose-spec schema: ${e.instancePath || '/'} ${e.message}${detail}`;
      if (!seen.has(line)) report(composeFile, line);
      seen.add(line);
    }
  }

  const services = isMap(compose) && isMap(compose.services) ? compose.services : {};
  const names = Object.keys(services);
  if (names.length === 0) report(composeFile, 'no services');
  for (const name of names) {
    const service = isMap(services[name]) ? services[name] : {};
    const where = `services.${name}`;
    const test = healthcheckTest(service.healthcheck);
    if (!test) report(composeFile, `${where}: no healthcheck`);

    // Services built from the Dockerfile are ours: their image runs `node .` in /app.
    if (service.build !== undefined) {
      const port = envValue(service.environment, 'PORT');
      const target = port ? `:${port}/health/ready` : '/health/ready';
      if (test && !test.includes(target)) report(composeFile, `${where}: healthcheck does not ask ${target}`);
      if (/\b(curl|wget)\b/.test(test)) {
        report(composeFile, `${where}: healthcheck uses curl/wget, which node:20-bookworm-slim lacks`);
      }
      for (const key of ['command', 'entrypoint', 'working_dir']) {
        if (service[key] !== undefined) report(composeFile, `${where}: sets ${key}; the image runs \`node .\` in /app`);
      }
      const app = isMap(service.build) ? envValue(service.build.args, 'APP') : undefined;
      if (!app) report(composeFile, `${where}: build.args.APP is not set`);
    }

    const dependsOn = service.depends_on;
    if (Array.isArray(dependsOn)) {
      report(composeFile, `${where}.depends_on: use the long form with condition: service_healthy`);
    } else if (isMap(dependsOn)) {
      for (const [dependency, spec] of Object.entries(dependsOn)) {
        if (!names.includes(dependency)) report(composeFile, `${where}.depends_on.${dependency}: no such service`);
        const condition = isMap(spec) ? spec.condition : undefined;
        if (condition !== 'service_healthy') {
          report(
            composeFile,
            `${where}.depends_on.${dependency}: condition is ${condition ?? 'missing'}, not service_healthy`,
          );
        }
      }
    }
  }
  return names.length;
}

/** @typedef {{ keyword: string, args: string, line: number }} Instruction */

/**
 * Dockerfile instructions with continuation lines joined; comments and parser directives dropped.
 * @param {string} text
 * @returns {Instruction[]}
 */
function parseDockerfile(text) {
  /** @type {Instruction[]} */
  const instructions = [];
  let pending = '';
  let start = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    if (!pending && /^\s*(#|$)/.test(raw)) return;
    if (pending && /^\s*#/.test(raw)) return; // comments inside a continued instruction
    if (!pending) start = index + 1;
    const continued = /\\\s*$/.test(raw);
    pending += (pending ? ' ' : '') + raw.replace(/\\\s*$/, '').trim();
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/.exec(pending);
    if (match)
      instructions.push({
        keyword: match[1].toUpperCase(),
        args: match[2],
        line: start,
      });
    pending = '';
  });
  return instructions;
}

/** @returns {number} how many stages the Dockerfile has */
function checkDockerfile() {
  if (!existsSync(dockerfile)) {
    report(dockerfile, 'not found');
    return 0;
  }
  const instructions = parseDockerfile(readFileSync(dockerfile, 'utf8'));
  /** @type {{ instructions: Instruction[] }[]} */
  const stages = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') stages.push({ instructions: [] });
    else stages.at(-1)?.instructions.push(instruction);
  }

  const runs = instructions.filter((i) => i.keyword === 'RUN');
  if (!runs.some((i) => /\bnpm\s+ci\b/.test(i.args))) report(dockerfile, 'no `npm ci`');
  for (const i of runs.filter((r) => /\bnpm\s+(install|i|add)(?![\w-])/.test(r.args))) {
    report(dockerfile, `line ${i.line}: uses \`npm install\`; use \`npm ci\``);
  }
  if (stages.length < 2) report(dockerfile, `${stages.length} stage(s); expected a multi-stage build`);

  // Every `npm ci` needs the lockfile and .npmrc (registry and allowScripts settings) beside package.json.
  for (const stage of stages) {
    const copied = new Set();
    for (const i of stage.instructions) {
      if (i.keyword === 'COPY' && !/--from/.test(i.args)) i.args.split(/\s+/).forEach((s) => copied.add(s));
      if (i.keyword === 'RUN' && /\bnpm\s+ci\b/.test(i.args)) {
        const missing = ['package.json', 'package-lock.json', '.npmrc'].filter((f) => !copied.has(f));
        if (missing.length > 0) report(dockerfile, `line ${i.line}: \`npm ci\` before copying ${missing.join(', ')}`);
      }
    }
  }

  const final = stages.at(-1);
  if (!final) return 0;
  const finalCopies = final.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD');
  if (!finalCopies.some((i) => /--from=\S+/.test(i.args) && /dist\/apps\/\$\{?APP\}?\b/.test(i.args))) {
    report(dockerfile, 'final stage does not copy dist/apps/${APP} from the build stage');
  }
  if (!finalCopies.some((i) => /--from=\S+/.test(i.args) && /\/node_modules\b/.test(i.args))) {
    report(dockerfile, 'final stage does not copy the production node_modules from another stage');
  }
  for (const i of finalCopies.filter((c) => !/--from=/.test(c.args))) {
    report(dockerfile, `line ${i.line}: final stage copies from the build context; copy only dist and node_modules`);
  }
  for (const i of final.instructions.filter((r) => r.keyword === 'RUN' && /\bnpm\b/.test(r.args))) {
    report(dockerfile, `line ${i.line}: final stage runs npm; install dependencies in an earlier stage`);
  }
  const user = final.instructions
    .filter((i) => i.keyword === 'USER')
    .at(-1)
    ?.args.trim();
  if (!user || /^(root|0)(:|$)/.test(user)) report(dockerfile, 'final stage runs as root; add `USER node`');
  const cmd = final.instructions.filter((i) => i.keyword === 'CMD').at(-1);
  if (!cmd?.args.trim().startsWith('[')) report(dockerfile, 'final stage needs CMD in exec form (JSON array)');
  return stages.length;
}

const serviceCount = checkCompose();
const stageCount = checkDockerfile();
if (problems.length > 0) {
  for (const problem of problems) console.log(problem);
  process.exit(1);
}
console.log(
  `docker config OK: ${shown(composeFile)} (${serviceCount} services, compose-spec schema from dclint ${dclintVersion}), ${shown(dockerfile)} (${stageCount} stages)`,
);

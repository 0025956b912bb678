import nx from '@nx/eslint-plugin';

/**
 * Nx tag rules (../shared/STYLE.md). Two axes, both enforced:
 * - type: apps → domain → platform → contracts; client → contracts; testing only from tests.
 * - scope: a service's app and domain lib see their own scope and `scope:shared`, never another
 *   service's; only the one-process `scope:embedded` app composes every service.
 * The web console (`scope:web`, a `type:app`) sees only the SDK and the contracts: it is the proof
 * that they are enough for a frontend. `type:app` may name `type:client` for it; the scope rules keep
 * every other app away from the SDK.
 * Infrastructure clients (kafkajs, ioredis, pg, PGlite, the socket.io Redis packages) are imported only
 * by `type:platform` libs, behind their ports; tests may use them to inspect the real servers.
 */
const INFRASTRUCTURE = [
  'kafkajs',
  'ioredis',
  'pg',
  '@electric-sql/pglite',
  '@socket.io/redis-adapter',
  '@socket.io/redis-emitter',
];
const SERVICE_SCOPES = ['scope:edge', 'scope:orders', 'scope:support', 'scope:notifications'];

/** @param {boolean} inTests */
function boundaries(inTests) {
  const testing = inTests ? ['type:testing'] : [];
  const noInfrastructure = inTests ? {} : { bannedExternalImports: INFRASTRUCTURE };
  return {
    enforceBuildableLibDependency: true,
    allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
    depConstraints: [
      {
        sourceTag: 'type:app',
        onlyDependOnLibsWithTags: ['type:domain', 'type:platform', 'type:contracts', 'type:client', ...testing],
        ...noInfrastructure,
      },
      {
        sourceTag: 'type:domain',
        onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', ...testing],
        ...noInfrastructure,
      },
      { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', ...testing] },
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], ...noInfrastructure },
      { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:contracts', ...testing], ...noInfrastructure },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:testing'] },
      { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:contracts', 'type:client'] },
      ...SERVICE_SCOPES.map((scope) => ({ sourceTag: scope, onlyDependOnLibsWithTags: [scope, 'scope:shared'] })),
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      { sourceTag: 'scope:embedded', onlyDependOnLibsWithTags: [...SERVICE_SCOPES, 'scope:shared'] },
      { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:shared'] },
      { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:client', 'scope:shared'] },
      {
        sourceTag: 'scope:web',
        onlyDependOnLibsWithTags: ['scope:client', 'scope:shared', ...testing],
        bannedExternalImports: [...INFRASTRUCTURE, '@nestjs/*', 'socket.io', 'express'],
      },
      {
        allSourceTags: ['type:app', 'scope:web'],
        onlyDependOnLibsWithTags: ['type:client', 'type:contracts', ...testing],
      },
    ],
  };
}

const TEST_FILES = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.fixture.ts', '**/*.contract.ts'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries(false)],
    },
  },
  {
    // Tests may use the contract suites and helpers of libs/testing; production code never. A
    // contract suite (`*.contract.ts`, beside its port) is test code too.
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries(true)],
    },
  },
  {
    // Production code never pulls a contract suite (jest's describe/it) into a service.
    files: ['**/*.ts'],
    ignores: TEST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/*.contract'], message: 'contract suites are for tests only' }] },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.cts', '**/*.mts', '**/*.js', '**/*.jsx', '**/*.cjs', '**/*.mjs'],
    rules: {},
  },
];

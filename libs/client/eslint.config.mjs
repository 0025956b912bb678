import baseConfig from '../../eslint.config.mjs';

// The SDK runs in browsers: no Node built-ins, no server-side packages (tests may use them).
export default [
  ...baseConfig,
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts', 'src/**/*.int-spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The SDK runs in browsers: no Node built-ins.' },
            {
              group: ['@nestjs/*', 'kafkajs', 'ioredis', 'socket.io', 'socket.io/*', 'events', 'buffer', 'crypto'],
              message: 'The SDK may import only @shopnest/contracts and socket.io-client.',
            },
          ],
        },
      ],
    },
  },
];

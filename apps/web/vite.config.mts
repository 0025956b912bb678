import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const lib = (path: string) => fileURLToPath(new URL(`../../libs/${path}`, import.meta.url));

// Vite 8 bundles with Rolldown and transforms TSX with Oxc: no esbuild, no Babel, no preset plugin.
export default defineConfig({
  root,
  base: './',
  resolve: {
    alias: {
      '@shopnest/client': lib('client/src/index.ts'),
      '@shopnest/contracts': lib('contracts/src/index.ts'),
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});

import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import fs from 'node:fs/promises';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vitest/config';

const here = import.meta.dirname;
const repoRoot = path.resolve(here, '../..');
/** The gateway serves this folder at / (WEB_APP_DIR; dist/web is its default). */
const outDir = path.join(repoRoot, 'dist/web');
/** Where `npm run web:dev` sends API and WebSocket calls: a gateway started by `npm run up`. */
const gateway = process.env.AJLA_GATEWAY_URL ?? 'http://127.0.0.1:8000';

/**
 * Writes a .br and a .gz beside every text asset, so the gateway (@fastify/static's
 * preCompressed) sends them compressed without compressing on each request.
 */
function precompress(): Plugin {
  const brotli = promisify(brotliCompress);
  const gz = promisify(gzip);
  return {
    name: 'ajla-precompress',
    apply: 'build',
    async writeBundle(options, bundle) {
      const dir = options.dir ?? outDir;
      const names = Object.keys(bundle).filter((name) => /\.(js|css|html|svg|json)$/.test(name));
      await Promise.all(
        names.map(async (name) => {
          const file = path.join(dir, name);
          const data = await fs.readFile(file);
          if (data.length < 1024) return;
          await fs.writeFile(`${file}.gz`, await gz(data, { level: 9 }));
          await fs.writeFile(
            `${file}.br`,
            await brotli(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
          );
        }),
      );
    },
  };
}

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
    rolldownOptions: {
      // The precompression above takes most of the build's time, by design: no timing report.
      checks: { pluginTimings: false },
      // Libraries change less often than the app: in a chunk of their own, they stay cached
      // (immutable, by content hash) across most releases.
      output: { codeSplitting: { groups: [{ name: 'vendor', test: /node_modules/ }] } },
    },
  },
  server: {
    port: Number(process.env.WEB_DEV_PORT ?? 5173),
    strictPort: true,
    proxy: {
      '/api': { target: gateway, changeOrigin: false },
      '/ws': { target: gateway, ws: true },
      '/docs': { target: gateway },
      '/health': { target: gateway },
    },
  },
  test: {
    root: here,
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.spec.{ts,tsx}'],
    restoreMocks: true,
    testTimeout: 20_000,
  },
});

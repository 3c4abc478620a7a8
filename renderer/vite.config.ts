// Builds the console renderer: `vite build renderer` -> dist/renderer (relative asset paths for the Electron
// window and the browser-mode server alike). `vite renderer` serves it for development and forwards /api to a
// running `riskdesk serve` (RISKDESK_URL, default http://127.0.0.1:7420).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.RISKDESK_URL ?? 'http://127.0.0.1:7420';

export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  publicDir: false,
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1000,
  },
  server: {
    host: '127.0.0.1',
    strictPort: false,
    proxy: {
      '/api': { target: api, changeOrigin: false },
    },
  },
});

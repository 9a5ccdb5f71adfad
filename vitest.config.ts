import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
// In this repository the plugin is imported from source; users write `from 'ledgerbench/vitest'`.
import { ledgerbench } from './src/vitest/plugin.ts';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));
const alias = [
  { find: /^ledgerbench$/, replacement: src('index.ts') },
  { find: /^ledgerbench\/vitest$/, replacement: src('vitest/plugin.ts') },
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        ...ledgerbench({ name: 'perf', network: 'networks/embedded.yaml', include: ['perf/**/*.perf.ts'] }),
      },
      {
        resolve: { alias },
        // Real Fabric from its release binaries: FABRIC_BIN=<release folder> npx vitest run --project perf-fabric
        ...ledgerbench({ name: 'perf-fabric', network: 'networks/fabric-2org.yaml', include: ['perf-fabric/**/*.perf.ts'] }),
      },
    ],
  },
});

import { defineConfig } from 'tsup'

// ESM + CommonJS + declarations. Subpath entries keep the node-only parts (native SQLite, node:http) out of the
// core import graph, so `import 'grid-did'` stays light and runtime-neutral.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'ledger/sqlite': 'src/ledger/sqlite.ts',
    'server/node': 'src/server/node.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
})

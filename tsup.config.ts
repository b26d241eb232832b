import { defineConfig } from 'tsup'

// ESM + CommonJS + declarations (`npm run build` empties dist/ first: the two builds run together). Subpath entries keep the node-only parts (native SQLite, viem, the EDR engine, node:http) out of the
// core import graph, so `import 'grid-did'` stays light and runtime-neutral. The CLI is its own
// ESM bundle with a shebang (`bin`).
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'ledger/sqlite': 'src/ledger/sqlite.ts',
      'ledger/evm': 'src/ledger/evm.ts',
      'ledger/devchain': 'src/ledger/devchain.ts',
      'server/node': 'src/server/node.ts',
      // The endpoint as a `Request → Response` function, without node:http (other runtimes, tests).
      'server/handler': 'src/server/handler.ts',
      'gate/index': 'src/gate/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    // `import.meta.url` in the CommonJS build: the optional peers load with `createRequire(import.meta.url)` (src/ledger/peers).
    shims: true,
    // No source maps: dist is readable, unminified ESM and CommonJS; maps would double the install size.
    sourcemap: false,
    target: 'node20',
    splitting: true,
    treeshake: true,
  },
  {
    entry: { 'cli/bin': 'src/cli/bin.ts' },
    format: ['esm'],
    banner: { js: '#!/usr/bin/env node' },
    sourcemap: false,
    target: 'node20',
    // Chunks for the lazily imported parts (viem, the EDR chain, the server), so plain commands start fast.
    splitting: true,
  },
])

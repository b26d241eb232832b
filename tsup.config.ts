import { readdirSync } from 'node:fs'
import { defineConfig } from 'tsup'

// ESM + CommonJS + declarations (`npm run build` empties dist/ first: the two builds run together). Subpath entries keep the node-only parts (native SQLite, viem, the EDR engine, node:http) out of the
// core import graph, so `import 'grid-did'` stays light and runtime-neutral. The CLI is its own
// ESM bundle with a shebang (`bin`).
const PUBLIC = [
  ['index', 'src/index.ts'],
  ['ledger/sqlite', 'src/ledger/sqlite.ts'],
  ['ledger/evm', 'src/ledger/evm.ts'],
  ['ledger/devchain', 'src/ledger/devchain.ts'],
  ['server/node', 'src/server/node.ts'],
  ['server/handler', 'src/server/handler.ts'],
  ['gate/index', 'src/gate/index.ts'],
] as const
// Every module of src/vc is an entry of its own (not exported: see `...SPLIT` below).
const SPLIT = Object.fromEntries(
  readdirSync('src/vc')
    .filter((file) => file.endsWith('.ts'))
    .map((file) => [`split/vc/${file.slice(0, -3)}`, `src/vc/${file}`]),
)

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
      // Not exported: entries only so that esbuild puts each credential module in a chunk of its own
      // (a chunk holds the modules reached by the same set of entries). A bundler then drops those
      // whose exports an app does not use (`sideEffects: false`), with what they import: a
      // resolver-only bundle carries no ajv, csv-parse or did-jwt (test/package/install.test.ts).
      ...SPLIT,
    },
    format: ['esm', 'cjs'],
    // Declarations for the public entries only.
    dts: { entry: Object.fromEntries(PUBLIC) },
    // `import.meta.url` in the CommonJS build: the optional peers load with `createRequire(import.meta.url)` (src/ledger/peers).
    shims: true,
    // No source maps: dist is readable, unminified ESM and CommonJS; maps would double the install size.
    sourcemap: false,
    target: 'node20',
    splitting: true,
    treeshake: true,
    // Class names survive bundling (esbuild renames a class with static members to `_Name`), so `err.name` is the class's.
    keepNames: true,
  },
  {
    entry: { 'cli/bin': 'src/cli/bin.ts' },
    format: ['esm'],
    banner: { js: '#!/usr/bin/env node' },
    keepNames: true,
    sourcemap: false,
    target: 'node20',
    // Chunks for the lazily imported parts (viem, the EDR chain, the server), so plain commands start fast.
    splitting: true,
  },
])

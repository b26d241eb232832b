// The layer graph of ARCHITECTURE.md, enforced (`npm run lint:deps`, part of `npm test`).
// Layers, bottom to top; a module imports only its own layer and the layers below it.
const LAYERS = ['lib', 'method', 'ledger', 'resolver', 'vc', 'gate', 'server', 'cli']

const above = (i) => LAYERS.slice(i + 1)
const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer} is below ${above(i).join(', ')}: it must not import them (ARCHITECTURE.md)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${above(i).join('|')})/` },
}))

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles: a newcomer reads each concept on its own',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'errors-at-the-bottom',
      comment: 'src/errors.ts is the code catalogue every layer above lib uses: it imports only lib',
      severity: 'error',
      from: { path: '^src/errors(\\.ts$|/)' },
      to: { path: '^src/(method|ledger|resolver|vc|server|gate|cli)/' },
    },
    {
      name: 'core-entry-stays-light',
      comment: 'The core entry (grid-did) never pulls in the node-only subpaths: SQLite, viem, EDR, node:http, the CLI',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/(server|gate|cli)/|^src/ledger/(sqlite|evm|devchain|rpc-server|chain-index|peers)' },
    },
    {
      name: 'optional-peers-through-the-loader',
      comment:
        'better-sqlite3, viem and EDR are optional peer dependencies: their values load on demand through src/ledger/peers (a static import of a missing one fails at link time, before any code runs); their types may be imported anywhere',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/ledger/peers/' },
      to: { path: 'node_modules/(better-sqlite3|viem|@nomicfoundation/edr)/', dependencyTypesNot: ['type-only'] },
    },
    ...layerRules,
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/.*-artifact\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], mainFields: ['module', 'main', 'types'] },
  },
}

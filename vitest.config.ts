import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    alias: [
      { find: /^grid-did$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^grid-did\/server$/, replacement: fileURLToPath(new URL('./src/server/node.ts', import.meta.url)) },
      { find: /^grid-did\/server\/handler$/, replacement: fileURLToPath(new URL('./src/server/handler.ts', import.meta.url)) },
      { find: /^grid-did\/gate$/, replacement: fileURLToPath(new URL('./src/gate/index.ts', import.meta.url)) },
      { find: /^grid-did\/ledger\/(sqlite|evm|devchain)$/, replacement: fileURLToPath(new URL('./src/ledger/$1.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Two test files at a time (vitest's default is one fewer than the cores: one on CI's two).
    // Most time goes to spawned CLIs, servers and nodes, which wait on other processes.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})

/**
 * The container's essentials, read from the Dockerfile (Docker itself is not run here: this checks
 * what the file says, and runs its health check command against a real endpoint on 127.0.0.1).
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GridResolver, LedgerUnavailableError, MemoryLedger, type Ledger } from '../src/index.js'
import { createHandler, serve } from '../src/server/node.js'

const root = join(import.meta.dirname, '..')
const text = readFileSync(join(root, 'Dockerfile'), 'utf8')
// Instructions, continuation lines joined, comments dropped.
const instructions = text
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [op, ...rest] = l.split(/\s+/)
    return { op: op!.toUpperCase(), args: rest.join(' ') }
  })
const stages: (typeof instructions)[] = []
for (const i of instructions) {
  if (i.op === 'FROM') stages.push([i])
  else stages.at(-1)!.push(i)
}
const final = stages.at(-1)!
const last = (op: string) => final.filter((i) => i.op === op).at(-1)?.args

describe('Dockerfile', () => {
  it('runs `grid-did serve` on 0.0.0.0:8080 as an unprivileged user, on a small Node 20 base', () => {
    for (const stage of stages) expect(stage[0]!.args).toMatch(/^node:20-(bookworm-slim|slim|alpine)\b/)
    const user = last('USER')
    expect(user).toBeDefined()
    expect(user).not.toMatch(/^(root|0)(:|$)/)
    // USER comes before the command it runs.
    expect(final.findIndex((i) => i.op === 'USER')).toBeLessThan(final.findIndex((i) => i.op === 'ENTRYPOINT'))
    expect([...JSON.parse(last('ENTRYPOINT')!), ...JSON.parse(last('CMD')!)]).toEqual([
      'node',
      'dist/cli/bin.js',
      'serve',
      '--host',
      '0.0.0.0',
      '--port',
      '8080',
    ])
    expect(last('EXPOSE')).toBe('8080')
    expect(existsSync(join(root, 'src', 'cli', 'bin.ts'))).toBe(true)
  })

  it('copies only what the build needs, and .dockerignore keeps secrets and local state out', () => {
    for (const copy of stages[0]!.filter((i) => i.op === 'COPY')) {
      for (const source of copy.args.split(/\s+/).slice(0, -1)) expect(existsSync(join(root, source)), source).toBe(true)
    }
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n')
    for (const entry of ['.git', 'node_modules', 'dist', '.grid-did', '*.key', '*.db']) expect(ignored, entry).toContain(entry)
    for (const needed of ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsup.config.ts'])
      expect(ignored).not.toContain(needed)
  })

  it('its HEALTHCHECK asks /health: exit 0 when the endpoint is healthy, 1 when a ledger is down', async () => {
    const check = last('HEALTHCHECK')!
    expect(check).toMatch(/--interval=\d+s .*CMD \[/)
    const command = JSON.parse(check.slice(check.indexOf('CMD') + 3)) as string[]
    expect(command[0]).toBe('node')
    expect(command.join(' ')).toContain('http://127.0.0.1:8080/health')
    let down = false
    const memory = new MemoryLedger()
    const ledger: Ledger = {
      submit: (ops) => memory.submit(ops),
      read: (s, o) => memory.read(s, o),
      head: () => (down ? Promise.reject(new LedgerUnavailableError('connection refused')) : memory.head()),
      batch: (h) => memory.batch(h),
      close: () => memory.close(),
    }
    const running = await serve(createHandler({ resolver: new GridResolver({ networks: { sgcc: ledger } }) }), { port: 0, log: false })
    try {
      const port = new URL(running.url).port
      const run = () =>
        new Promise<number>((resolve) => {
          const args = command.slice(1).map((a) => a.replace('127.0.0.1:8080', `127.0.0.1:${port}`))
          execFile(process.execPath, args, (err) => resolve(err ? Number((err as { code?: number }).code) : 0))
        })
      expect(await run()).toBe(0)
      down = true
      expect(await run()).toBe(1)
    } finally {
      await running.close()
    }
  })
})

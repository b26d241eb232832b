import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * Starts `server` on `host:port` and returns its URL and a graceful close: stop accepting, drop
 * idle keep-alive connections at once, let requests in flight finish, and after `graceMs` close
 * whatever is still open. `close` is idempotent.
 */
export async function listen(
  server: Server,
  port: number,
  host: string,
  graceMs: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), graceMs)
      server.close(() => {
        clearTimeout(force)
        resolve()
      })
      server.closeIdleConnections()
    })
    return closing
  }
  return { url, close }
}

import type { Io } from './io.js'

/** A progress bar on an interactive stderr; silent otherwise. */
export function progressBar(io: Io, total: number): (done: number) => void {
  if (!io.interactive || total === 0) return () => undefined
  let last = -1
  return (done) => {
    const pct = Math.floor((done / total) * 100)
    if (pct === last) return
    last = pct
    const width = 30
    const filled = Math.round((done / total) * width)
    io.stderr(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`)
  }
}

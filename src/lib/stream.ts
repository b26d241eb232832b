/**
 * Reads a byte stream to the end, or stops (cancelling it) once it exceeds `max` bytes: the one way
 * this package reads input whose size it does not control (HTTP bodies, decompressed status lists).
 * Returns undefined when the stream is larger than `max`.
 */
export async function readAtMost(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | undefined> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > max) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  return concatChunks(chunks, size)
}

/** The chunks as one array of `size` bytes (the sum of their lengths); one chunk is returned as is. */
export function concatChunks(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

import { concatChunks, readAtMost } from '../lib/stream.js'

/**
 * A request body that arrives as events (`node:http`'s `IncomingMessage`), as far as reading it
 * needs: typed here so that this module imports nothing from `node:*`.
 * @internal
 */
export interface EventedBody {
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown
  on(event: 'end' | 'close', listener: () => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  off(event: 'data', listener: (chunk: Uint8Array) => void): unknown
  off(event: 'end' | 'close', listener: () => void): unknown
  off(event: 'error', listener: (err: Error) => void): unknown
  pause(): unknown
}

/**
 * A request body as text, or its size limit `max` (a number) when it is larger, by its declared
 * `content-length` or by what arrives: the one way this package's endpoints read a request body.
 * `body` is a WHATWG stream (cancelled once it is too large), an {@link EventedBody} (paused and
 * left unread once too large: cancelling would destroy the socket before the 413 is sent), or null
 * for none.
 * @internal shared by the resolver endpoint, its `node:http` adapter and the attestor service.
 */
export async function readBody(
  body: ReadableStream<Uint8Array> | EventedBody | null,
  contentLength: string | null | undefined,
  max: number,
): Promise<string | number> {
  if (Number(contentLength ?? 0) > max) return max
  if (!body) return ''
  const bytes = 'getReader' in body ? await readAtMost(body, max) : await readEventsAtMost(body, max)
  if (!bytes) return max
  return new TextDecoder().decode(bytes)
}

/**
 * The body of a WHATWG `Request`, read by {@link readBody}.
 * @internal
 */
export function readRequestBody(request: Request, max: number): Promise<string | number> {
  return readBody(request.body, request.headers.get('content-length'), max)
}

/**
 * Reads an {@link EventedBody} to its end, or stops (pausing it, so it stays unread) once it exceeds
 * `max` bytes: undefined then. Rejects when the connection fails or closes first.
 */
function readEventsAtMost(req: EventedBody, max: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = []
    let size = 0
    const stop = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
    }
    const onData = (chunk: Uint8Array) => {
      size += chunk.length
      if (size <= max) return void chunks.push(chunk)
      stop()
      req.pause()
      resolve(undefined)
    }
    const onEnd = () => {
      stop()
      resolve(concatChunks(chunks, size))
    }
    const onError = (err: Error) => {
      stop()
      reject(err)
    }
    const onClose = () => {
      stop()
      reject(new Error('the connection closed before the request body was complete'))
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  })
}

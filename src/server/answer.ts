import { utf8Encode } from '../lib/bytes.js'
import type { EndpointReply } from './endpoint.js'

/** What a route answers, before the CORS headers and the body's encoding and length. */
export interface Answer {
  status: number
  headers: Readonly<Record<string, string>>
  body: string | Uint8Array | null
}

export function json(value: unknown, status = 200): Answer {
  return body(status, 'application/json', value)
}

export function body(status: number, type: string, value: unknown): Answer {
  return { status, headers: { 'content-type': type }, body: JSON.stringify(value) }
}

/** `answer` as sent: `extra` headers set, the body as UTF-8 bytes with its `content-length`. */
export function toReply(answer: Answer, extra: Readonly<Record<string, string>>): EndpointReply {
  const body = typeof answer.body === 'string' ? utf8Encode(answer.body) : answer.body
  const headers = body ? { ...answer.headers, ...extra, 'content-length': String(body.length) } : { ...answer.headers, ...extra }
  return { status: answer.status, headers, body }
}

/** The reply to a HEAD request: the GET reply's status and headers, without body or length. */
export function withoutBody(reply: EndpointReply): EndpointReply {
  const { 'content-length': _length, ...headers } = reply.headers
  return { status: reply.status, headers, body: null }
}

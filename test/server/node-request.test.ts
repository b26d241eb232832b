import { describe, expect, it } from 'vitest'
import { MalformedRequest, Targets } from '../../src/server/node-request.js'

describe('Targets', () => {
  it('parses origin-form and absolute-form targets on the server origin, IPv6 hosts bracketed', () => {
    const targets = new Targets('::1')
    expect(targets.parse('/1.0/methods?a=1')).toEqual({ href: 'http://[::1]/1.0/methods?a=1', pathname: '/1.0/methods', search: '?a=1' })
    expect(targets.parse('https://elsewhere.example/health').href).toBe('http://[::1]/health')
    // Remembered: the same frozen object.
    expect(targets.parse('/1.0/methods?a=1')).toBe(targets.parse('/1.0/methods?a=1'))
  })

  it('refuses a target that is no URL, or of another scheme, as MalformedRequest', () => {
    const targets = new Targets('127.0.0.1')
    expect(() => targets.parse('*')).toThrow(MalformedRequest)
    expect(() => targets.parse('ftp://x/y')).toThrow(/^the request target is not a valid URL: the scheme ftp: is not http or https$/)
  })
})

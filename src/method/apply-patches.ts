import { decodeMultikey } from './keys.js'
import { LIMITS } from './limits.js'
import type { Patch } from './operation-types.js'
import type { DidState } from './state-types.js'

/** The parts of a DID's state that patches change. */
export type Content = Pick<DidState, 'verificationMethods' | 'services' | 'controller' | 'alsoKnownAs'>

/** Applies patches in order, all or nothing. */
export function applyPatches(base: DidState, patches: readonly Patch[]): Content | string {
  let vms = base.verificationMethods
  let services = base.services
  let controller = base.controller
  let alsoKnownAs = base.alsoKnownAs
  const taken = (id: string) => vms.some((v) => v.id === id) || services.some((s) => s.id === id)
  for (const [i, p] of patches.entries()) {
    const at = `patches[${i}]`
    switch (p.action) {
      case 'add-verification-method':
        if (taken(p.method.id)) return `${at}: id "${p.method.id}" already exists`
        if (vms.length >= LIMITS.verificationMethods) return `${at}: more than ${LIMITS.verificationMethods} verification methods`
        vms = [...vms, p.method]
        break
      case 'remove-verification-method':
        if (!vms.some((v) => v.id === p.id)) return `${at}: no verification method "${p.id}"`
        vms = vms.filter((v) => v.id !== p.id)
        break
      case 'set-relationships': {
        const vm = vms.find((v) => v.id === p.id)
        if (!vm) return `${at}: no verification method "${p.id}"`
        const isX25519 = decodeMultikey(vm.publicKeyMultibase).type === 'X25519'
        if (p.purposes.some((x) => (x === 'keyAgreement') !== isX25519)) {
          return `${at}: ${isX25519 ? 'X25519' : 'Ed25519'} key "${p.id}" cannot take these relationships`
        }
        vms = vms.map((v) => (v.id === p.id ? { ...v, purposes: p.purposes } : v))
        break
      }
      case 'add-service':
        if (taken(p.service.id)) return `${at}: id "${p.service.id}" already exists`
        if (services.length >= LIMITS.services) return `${at}: more than ${LIMITS.services} services`
        services = [...services, p.service]
        break
      case 'remove-service':
        if (!services.some((s) => s.id === p.id)) return `${at}: no service "${p.id}"`
        services = services.filter((s) => s.id !== p.id)
        break
      case 'set-controller':
        controller = p.controller
        break
      case 'set-also-known-as':
        alsoKnownAs = p.alsoKnownAs
        break
    }
  }
  return { verificationMethods: vms, services, controller, alsoKnownAs }
}

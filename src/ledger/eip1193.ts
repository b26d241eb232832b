/** An EIP-1193 provider: anything with `request({ method, params })` (a wallet, an in-process chain). */
export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown>
}

/**
 * The demo's world, fixed: one provincial utility, a group manufacturer's three production bases,
 * fifty electricity users and two load aggregators in Zhejiang, and one peak-shaving event.
 * Everything below comes from a seeded generator, so every run makes the same bids, deliveries and
 * subsidies; only the DIDs (fresh keys) differ between runs.
 */
import { usccCheckCharacter } from 'grid-did'

/** Unix seconds of a time written with its offset. */
export const at = (iso: string): number => Date.parse(iso) / 1000

/** Seconds to `YYYY-MM-DD HH:MM:SS` in China Standard Time (UTC+8), how the report shows times. */
export function cst(seconds: number): string {
  return new Date((seconds + 8 * 3600) * 1000).toISOString().slice(0, 19).replace('T', ' ')
}

/** Fen (0.01 yuan) as yuan with two decimals. */
export const yuan = (fen: number): string => (fen / 100).toFixed(2)

/** mulberry32: a tiny, well-mixed 32-bit generator; the seed fixes the whole world. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
const random = seeded(20260715)
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
const roundTo = (value: number, step: number) => Math.max(step, Math.round(value / step) * step)

/** The story's clock (China Standard Time). The embedded ledger anchors on this clock too. */
export const CLOCK = {
  /** The utility and every participant create their DIDs. */
  setup: at('2025-06-30T09:00:00+08:00'),
  /** Last year's pilot: ten users got one-year credentials through a CSV batch. */
  pilot: at('2025-07-01T09:00:00+08:00'),
  pilotUntil: at('2026-07-01T00:00:00+08:00'),
  /** This year's onboarding: all fifty users (CSV batch), the aggregators and the production bases. */
  onboarding: at('2026-07-01T09:00:00+08:00'),
  credentialsUntil: at('2027-07-01T00:00:00+08:00'),
  mandatesUntil: at('2027-01-01T00:00:00+08:00'),
  /** The utility revokes a closed account, and suspends a user under a meter-tampering inquiry. */
  revocation: at('2026-07-10T09:00:00+08:00'),
  suspension: at('2026-07-14T09:00:00+08:00'),
  /** The inquiry clears the suspended user during the bidding window. */
  reinstatement: at('2026-07-15T10:30:00+08:00'),
  /** Metering data is in; then the settlement runs. */
  metering: at('2026-07-15T16:30:00+08:00'),
  settlement: at('2026-07-15T17:00:00+08:00'),
} as const

/** The demand-response event: peak shaving, invited four hours ahead, capped at 15 yuan/kWh. */
export const EVENT = {
  id: 'peak-2026-07-15-01',
  kind: 'peak-shaving',
  invitedAt: at('2026-07-15T10:00:00+08:00'),
  bidsCloseAt: at('2026-07-15T12:00:00+08:00'),
  start: at('2026-07-15T14:00:00+08:00'),
  end: at('2026-07-15T16:00:00+08:00'),
  /** Fen per kWh: 15.00 yuan. */
  priceCapFen: 1500,
} as const

/** Seconds between two blocks of the simulated chain (a QBFT block period). */
export const BLOCK_SECONDS = 6

// GB/T 2260 district codes in Zhejiang, with their names.
const HANGZHOU = { '330102': 'Shangcheng', '330105': 'Gongshu', '330106': 'Xihu', '330108': 'Binjiang', '330110': 'Yuhang' } as const
const NINGBO = { '330203': 'Haishu', '330205': 'Jiangbei', '330206': 'Beilun', '330212': 'Yinzhou' } as const
const OTHERS = { '330302': 'Lucheng', '330402': 'Nanhu', '331002': 'Jiaojiang' } as const
const DISTRICTS: Record<string, string> = { ...HANGZHOU, ...NINGBO, ...OTHERS }
const INDUSTRIES = [
  'Textile',
  'Cold Storage',
  'Plastics',
  'Paper Mill',
  'Foundry',
  'Data Center',
  'Brewery',
  'Ceramics',
  'Printing',
  'Glassworks',
  'Dyeing',
  'Pharma',
  'Electroplating',
  'Machining',
  'Food Processing',
  'Furniture',
  'Packaging',
  'Chemical Fibre',
  'Auto Parts',
  'Bearings',
] as const
/** Standard transformer ratings, kVA. */
const TRANSFORMERS = [250, 315, 400, 500, 630, 800, 1000, 1250, 1600, 2000] as const

export interface AggregatorData {
  key: 'A1' | 'A2'
  name: string
  claims: { organizationName: string; unifiedSocialCreditCode: string; licensedRegions: string[]; maxAggregatedCapacityKw: number }
  /** The price it bids for every user it represents, fen/kWh. */
  priceFen: number
}

export const AGGREGATORS: readonly AggregatorData[] = [
  {
    key: 'A1',
    name: 'Qiantang Load Aggregation',
    claims: {
      organizationName: 'Qiantang Load Aggregation Co., Ltd.',
      unifiedSocialCreditCode: uscc('91330100MA2H0QT4X'),
      licensedRegions: Object.keys(HANGZHOU),
      maxAggregatedCapacityKw: 20_000,
    },
    priceFen: 1200,
  },
  {
    key: 'A2',
    name: 'Yongjiang Energy Services',
    claims: {
      organizationName: 'Yongjiang Energy Services Co., Ltd.',
      unifiedSocialCreditCode: uscc('91330200MA2J7KD3R'),
      licensedRegions: Object.keys(NINGBO),
      maxAggregatedCapacityKw: 15_000,
    },
    priceFen: 1150,
  },
]

function uscc(body: string): string {
  return body + usccCheckCharacter(body)
}

export interface BaseData {
  key: 'B1' | 'B2' | 'B3'
  name: string
  claims: { groupId: string; baseId: string; region: string; maxLoadKw: number; priorityClass: number }
  bid: { capacityKw: number; priceFen: number }
}

/** Haitong Motor Group's three production bases. The Taizhou base bids more than its maximum load. */
export const BASES: readonly BaseData[] = [
  {
    key: 'B1',
    name: 'Haitong Motor Beilun',
    claims: { groupId: 'haitong-motor', baseId: 'haitong-ningbo-1', region: '330206', maxLoadKw: 12_000, priorityClass: 2 },
    bid: { capacityKw: 3_000, priceFen: 1000 },
  },
  {
    key: 'B2',
    name: 'Haitong Motor Yuhang',
    claims: { groupId: 'haitong-motor', baseId: 'haitong-hangzhou-2', region: '330110', maxLoadKw: 8_000, priorityClass: 3 },
    bid: { capacityKw: 2_000, priceFen: 950 },
  },
  {
    key: 'B3',
    name: 'Haitong Motor Jiaojiang',
    claims: { groupId: 'haitong-motor', baseId: 'haitong-taizhou-3', region: '331002', maxLoadKw: 6_000, priorityClass: 4 },
    bid: { capacityKw: 7_500, priceFen: 1000 },
  },
]

export interface UserData {
  /** `U01` … `U50`. */
  key: string
  name: string
  claims: { accountNumber: string; meterIds: string[]; voltageLevel: string; contractedCapacityKva: number; region: string }
  /** U01-U15 mandate A1, U16-U30 mandate A2; the rest act for themselves. */
  mandate?: { aggregator: 'A1' | 'A2'; maxKw: number; actions: string[] }
  /** What it bids (itself, or its aggregator for it; the aggregator's price then applies). */
  bid: { capacityKw: number; priceFen: number }
}

export const USERS: readonly UserData[] = Array.from({ length: 50 }, (_, i): UserData => {
  const n = i + 1
  const key = `U${String(n).padStart(2, '0')}`
  // Mandated users live where their aggregator is licensed; U45 too (A1 bids for it without a mandate).
  const regions = n <= 15 || n === 45 ? HANGZHOU : n <= 30 ? NINGBO : DISTRICTS
  const region = n === 45 ? '330106' : pick(Object.keys(regions))
  const contractedCapacityKva = pick(TRANSFORMERS)
  const meters = random() < 0.3 ? 2 : 1
  const claims = {
    accountNumber: `${region}${String(n).padStart(4, '0')}`,
    meterIds: Array.from({ length: meters }, (_, m) => `M-${region}-${String(n).padStart(2, '0')}-${m + 1}`),
    voltageLevel: contractedCapacityKva >= 630 ? '10kV' : '380V',
    contractedCapacityKva,
    region,
  }
  const name = `${DISTRICTS[region]} ${pick(INDUSTRIES)}`
  if (n <= 30) {
    const maxKw = roundTo(contractedCapacityKva * 0.4, 10)
    return {
      key,
      name,
      claims,
      // U30's mandate covers bidding only: its subsidy is paid to the user, not the aggregator.
      mandate: { aggregator: n <= 15 ? 'A1' : 'A2', maxKw, actions: n === 30 ? ['response.bid'] : ['response.bid', 'settlement.receive'] },
      bid: { capacityKw: roundTo(maxKw * (0.6 + 0.4 * random()), 10), priceFen: n <= 15 ? 1200 : 1150 },
    }
  }
  return {
    key,
    name,
    claims,
    bid: { capacityKw: roundTo(contractedCapacityKva * (0.15 + 0.2 * random()), 10), priceFen: 800 + 50 * Math.floor(random() * 13) },
  }
})

/** The users of last year's pilot (their credentials expired on 2026-07-01). */
export const PILOT_USERS: readonly string[] = ['U41', 'U42', 'U43', 'U44', 'U45', 'U46', 'U47', 'U48', 'U49', 'U50']

/** The special cases of the story. */
export const CASES = {
  /** Closed its account: revoked before the event. */
  revoked: 'U41',
  /** Suspended during a meter-tampering inquiry; reinstated while bids are open; bids twice. */
  suspended: 'U42',
  /** Its 2026 CSV row has a typo, so it only holds the expired pilot credential, and bids with it. */
  expired: 'U43',
  /** A1 bids for it without a mandate; it then bids for itself. */
  noMandate: 'U45',
  /** Bids above the price cap. */
  overCap: 'U46',
  /** Bids after the bidding window closed. */
  late: 'U47',
  /** Its presentation is replayed, with its own terms, after its bid. */
  replayed: 'U35',
  /** An eavesdropper copies its pending presentation into a bid with other terms and submits it first. */
  frontRun: 'U36',
} as const

/** The terms the eavesdropper puts U36's copied presentation under: 800 kW at 1 fen/kWh. */
export const FRONT_RUN = { capacityKw: 800, priceFen: 1 } as const

/** The price U46 asks, fen/kWh: above the 15-yuan cap. */
export const OVER_CAP_PRICE_FEN = 1800

/**
 * Metered response per participant, as a share of what it committed (capacity × duration):
 * from 45 % (under half: no subsidy) to 125 % (paid only up to the commitment).
 */
export const DELIVERY_RATIO: Readonly<Record<string, number>> = Object.fromEntries(
  [...USERS.map((u) => u.key), ...BASES.map((b) => b.key)].map((key) => [key, Math.round((0.45 + 0.8 * random()) * 100) / 100]),
)

/**
 * The README's fenced code blocks and the marker each carries: an HTML comment on the nearest
 * non-blank line above the fence (invisible on the rendered page). Every block has exactly one:
 *
 *   <!-- run: NAME -->                 a ts/js block test/docs/readme.test.ts runs as it stands
 *   <!-- run: NAME continues PREV -->  run after block PREV (and what PREV continues), in one module:
 *                                      it sees PREV's bindings and may shadow them
 *   <!-- run: by PATH [PATH…] [— note] -->  run elsewhere: by that test file or CI script (checked to exist)
 *   <!-- illustrative: REASON -->      not run; the reason (a remote chain, a server that runs until
 *                                      interrupted, a diagram…) is required
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..', '..')

export type Marker =
  | { kind: 'run'; name: string; continues?: string }
  | { kind: 'by'; paths: string[] }
  | { kind: 'illustrative'; reason: string }
  | { kind: 'none' }
  | { kind: 'bad'; text: string }

export interface Block {
  /** 1-based line of the opening fence in README.md. */
  line: number
  lang: string
  code: string
  marker: Marker
}

const NAME = '[a-z][a-z0-9-]*'

export function parseMarker(comment: string): Marker {
  const text = comment.trim()
  let m = new RegExp(`^<!-- run: (${NAME})(?: continues (${NAME}))? -->$`).exec(text)
  if (m) return m[2] ? { kind: 'run', name: m[1]!, continues: m[2] } : { kind: 'run', name: m[1]! }
  m = /^<!-- run: by (\S+(?: \S+)*?)(?: — .+)? -->$/.exec(text)
  if (m) return { kind: 'by', paths: m[1]!.split(' ') }
  m = /^<!-- illustrative: (\S.*\S) -->$/.exec(text)
  if (m) return { kind: 'illustrative', reason: m[1]! }
  return { kind: 'bad', text }
}

export function readmeBlocks(text = readFileSync(join(ROOT, 'README.md'), 'utf8')): Block[] {
  const lines = text.split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!)
    if (!open) continue
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!)
    let above = start - 1
    while (above >= 0 && lines[above]!.trim() === '') above--
    const prev = above >= 0 ? lines[above]!.trim() : ''
    const marker: Marker = prev.startsWith('<!--') ? parseMarker(prev) : { kind: 'none' }
    blocks.push({ line: start + 1, lang: open[1] ?? '', code: `${body.join('\n')}\n`, marker })
  }
  return blocks
}

/** The test's failure message for blocks without a valid marker: where they are and what to add. */
export function markerHelp(unmarked: Block[]): string {
  if (unmarked.length === 0) return ''
  const where = unmarked.map((b) =>
    b.marker.kind === 'bad'
      ? `  README.md:${b.line} (\`\`\`${b.lang}): unreadable marker ${b.marker.text}`
      : `  README.md:${b.line} (\`\`\`${b.lang}): no marker`,
  )
  return [
    'Every README code block is run by a test or marked illustrative. These blocks are neither:',
    ...where,
    'Put ONE of these HTML comments on the line just above each opening fence (blank lines between are fine):',
    '  <!-- run: NAME -->                 (ts/js) test/docs/readme.test.ts runs it as it stands; imports of',
    "                                      'grid-did' and 'grid-did/…' load the built package (dist/)",
    '  <!-- run: NAME continues PREV -->  (ts/js) run after the block named PREV, in one module (sees its bindings)',
    '  <!-- run: by PATH [PATH…] -->       run by that test file or CI script (it must exist and read README.md);',
    '                                      a note may follow after " — "',
    '  <!-- illustrative: WHY -->         not run; say why (needs a remote chain node, runs until interrupted, a',
    '                                      diagram, a config excerpt…)',
    'NAME: lowercase letters, digits and dashes, unique in README.md. Grammar: test/docs/readme-blocks.ts.',
  ].join('\n')
}

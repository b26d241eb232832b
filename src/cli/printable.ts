/**
 * Characters a terminal may act on instead of showing: C0 controls (U+0000–U+001F, ESC among them),
 * DEL and the C1 controls (U+007F–U+009F), and the bidirectional formatting marks that reorder what
 * is shown (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`

/**
 * `text` safe to print on a terminal as one line: every control or bidi character (newlines too) is
 * written as a `\uXXXX` escape, so input echoed in a message (a CSV cell, a DID, a file name) can
 * neither drive the terminal (ANSI escape sequences) nor forge or reorder lines.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escape)
}

/**
 * Multi-line `text` safe to print: as {@link printable}, but line breaks (U+000A) stay. The last
 * guard on every text output; a field that must not break its line is escaped with
 * {@link printable} where the line is made.
 */
export function printableLines(text: string): string {
  return text.replace(CONTROL_BUT_NEWLINE, escape)
}

/**
 * Text from files (event.json, metadata, manifests, the transcript) shown on a terminal with its
 * control characters escaped, so that nobody who can write a file can also write the screen: an
 * ESC[8m would hide what follows, a carriage return or a line break could forge a line of the
 * summary, a bidi override could reverse a name (docs/threat-model.md section 7, "Escapes").
 * Pure: every layer may use it. The one helper for every renderer that prints such text.
 */

// C0 controls, DEL, C1 controls, the Unicode line and paragraph separators and the bidi
// embeddings, overrides and isolates.
// eslint-disable-next-line no-control-regex -- matching control characters is this module's whole purpose
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One line as it may reach the terminal: each control character as `\u001b`-style text. */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Lines of text, each escaped on its own, joined by the only line breaks left. */
export function escapeLines(lines: readonly string[]): string {
  return lines.map(escapeControls).join('\n');
}

/** Names listed in one line of a report before "… and N more"; --json and the records hold all. */
export const LIST_SHOWN = 20;

/** A count as people read it in a report: 1,024. */
export const countOf = (n: number): string => n.toLocaleString('en-US');

/** "a, b, c … and 1,012 more" for a list of names, however long. */
export function someOf(names: readonly string[], shown = LIST_SHOWN): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head} … and ${countOf(names.length - shown)} more` : head;
}

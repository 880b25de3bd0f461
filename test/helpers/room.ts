/**
 * The people in the room, at a real pseudo-terminal (test/helpers/pty.ts): they wait until the tool
 * shows a question and stops writing, then answer it as a person would. The ceremony administrator
 * and the witness type their names, an admin types the event digest's words at the positions asked
 * (read from the screen), Enter after "insert the token", a passphrase when one is asked for.
 */
import { fingerprintWords } from '../../src/tuf/model/fingerprint-words.js';
import { plain, type PtyRun } from './pty.js';

export interface RoomPeople {
  administrator: string;
  witness: string;
  /** The event digest the admins compare and confirm (read from the event folder as a witness would). */
  eventDigest?: () => string;
  passphrase?: string;
}

/** What a question on screen asks for. */
export type Question = 'administrator' | 'witness' | 'words' | 'enter' | 'passphrase';

export function questionOf(text: string): Question | undefined {
  if (/Ceremony administrator, type your name/.test(text)) return 'administrator';
  if (/Witness, type your name/.test(text)) return 'witness';
  if (/or all 64 hex characters/.test(text)) return 'words';
  if (/press Enter/.test(text)) return 'enter';
  if (/passphrase/i.test(text)) return 'passphrase';
  return undefined;
}

/** The 1-based word positions a confirmation asks for. */
export function askedPositions(screen: string): number[] {
  const question = [...screen.matchAll(/type its words\s+number ([\d, and]+)\(or all/g)].pop()?.[1] ?? '';
  return [...question.matchAll(/\d+/g)].map((m) => Number(m[0]));
}

const QUIET_MS = 250;

export class Room {
  /** Where the last question answered starts in the plain screen text. */
  private answeredAt = -1;
  /** Every question answered, in order, with the answer typed. */
  readonly answered: Array<{ question: Question; text: string; answer: string }> = [];

  constructor(
    private readonly run: PtyRun,
    private readonly people: RoomPeople,
  ) {}

  private answerFor(q: Question, text: string): string {
    switch (q) {
      case 'administrator':
        return this.people.administrator;
      case 'witness':
        return this.people.witness;
      case 'words': {
        const words = fingerprintWords(this.people.eventDigest!());
        return askedPositions(text)
          .map((p) => words[p - 1])
          .join(' ');
      }
      case 'enter':
        return '';
      case 'passphrase':
        return this.people.passphrase ?? '';
    }
  }

  /**
   * Answer each question until the command ends (its exit code) or `stop` says to leave a question
   * unanswered ('stopped'). `answer` may replace an answer (a wrong name typed on purpose).
   */
  async until(
    stop?: (q: Question, text: string) => boolean,
    answer?: (q: Question, text: string) => string | undefined,
    timeoutMs = 240_000,
  ): Promise<number | 'stopped'> {
    const deadline = Date.now() + timeoutMs;
    let exit: number | undefined;
    void this.run.exit.then((c) => (exit = c));
    let last = '';
    let quietSince = Date.now();
    let waitingForMark = false;
    for (;;) {
      if (exit !== undefined) return exit;
      if (Date.now() > deadline)
        throw new Error(`no question and no exit; the screen shows:\n${plain(this.run.raw).slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
      // A question may be the very first thing on the screen.
      const screen = `\n${plain(this.run.raw)}`;
      if (screen !== last) {
        last = screen;
        quietSince = Date.now();
        continue;
      }
      if (Date.now() - quietSince < QUIET_MS) continue;
      // inquirer redraws a question while it is typed (a long one over several lines) and marks it
      // answered with ✔: nothing before that mark is a new question.
      if (waitingForMark) {
        const mark = screen.indexOf('✔', this.answeredAt);
        if (mark < 0) continue;
        this.answeredAt = mark;
        waitingForMark = false;
      }
      // inquirer starts each question on a new line with "? ".
      const at = screen.lastIndexOf('\n? ');
      if (at <= this.answeredAt) continue;
      const text = screen.slice(at + 1);
      const q = questionOf(text);
      if (q === undefined) throw new Error(`a question no one in the room knows:\n${text}`);
      if (stop?.(q, text)) return 'stopped';
      const typed = answer?.(q, text) ?? this.answerFor(q, text);
      this.answeredAt = at;
      waitingForMark = true;
      this.answered.push({ question: q, text, answer: typed });
      this.run.type(typed);
    }
  }
}

/**
 * The only way the ceremony talks to the people at the machine (src/ceremony "talks to
 * people only through an injected Prompter"). The command line adapts its terminal prompter to it;
 * tests and scripted runs give answers in advance.
 */
export interface CeremonyPrompter {
  /** Ask for an exact answer; true only when the typed answer is one of `acceptable`. */
  confirmExact(question: string, acceptable: string[]): Promise<boolean>;
  /**
   * Say `message`, then wait until `ready()` is true ("insert the token of admin-b"): true then,
   * false when `timeoutMs` passed first. Nothing typed meanwhile is shown or kept; Ctrl-C throws
   * InterruptedError.
   */
  waitUntil(message: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<boolean>;
}

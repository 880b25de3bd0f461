/**
 * The only way the ceremony talks to the people at the machine (src/ceremony "talks to
 * people only through an injected Prompter"). The command line adapts its terminal prompter to it;
 * tests and scripted runs give answers in advance.
 */
export interface CeremonyPrompter {
  /** Ask for an exact answer; true only when the typed answer is one of `acceptable`. */
  confirmExact(question: string, acceptable: string[]): Promise<boolean>;
  /** Show a message and wait until the person presses Enter ("insert the token of admin-b"). */
  waitForEnter(message: string): Promise<void>;
}

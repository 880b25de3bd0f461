/**
 * The command table. Each command is declared once: the words that select it, a summary, its
 * options (type, help, required, repeatable) and its positionals. Parsing (node:util parseArgs),
 * `--help`, the command list and `tuf-ceremony <group>` are all made from that declaration
 * (src/cli/args.ts), so a flag cannot be documented and not parsed, or parsed and not documented.
 *
 * Declarations are cheap to import; a command's implementation (commands/<group>/<verb>.ts, or
 * commands/<verb>.ts for a top-level verb) is imported only when it runs, so that start-up reads
 * only the modules of the command that runs (`verify` and `verify-download` run once per file).
 */
import * as bundle from './commands/bundle/declarations.js';
import * as top from './commands/declarations.js';
import * as ceremony from './commands/ceremony/declarations.js';
import * as dev from './commands/dev/declarations.js';
import * as event from './commands/event/declarations.js';
import * as key from './commands/key/declarations.js';
import * as online from './commands/online/declarations.js';
import * as plan from './commands/plan/declarations.js';
import * as token from './commands/token/declarations.js';
import * as transcript from './commands/transcript/declarations.js';
import * as upload from './commands/upload/declarations.js';
import type { CommandDeclaration, Run } from './declaration.js';

/** A declaration with the loader of the module that implements it. */
export interface Command extends CommandDeclaration {
  load(): Promise<{ run: Run<CommandDeclaration> }>;
}

/** A declaration with the module that implements it; `run` must accept the declared options. */
function lazy<D extends CommandDeclaration>(declaration: D, load: () => Promise<{ run: Run<D> }>): Command {
  return { ...declaration, load: load };
}

/** The groups of subcommands, with what `tuf-ceremony <group>` says about them. */
export const GROUPS: Readonly<Record<string, string>> = {
  bundle: 'bundles on removable media: export, verify and import',
  ceremony: 'guided ceremonies: a reviewed runbook run step by step',
  dev: "a developer's key, delegation request, signed releases, and check of the published delegation",
  event: 'signing events: show, sign, merge, status, finalize',
  key: "keys on a holder's PKCS#11 token",
  online: 'the reference online side: take in bundles and uploads, sign snapshot and timestamp, publish',
  plan: 'ceremony plans',
  token: 'PKCS#11 tokens',
  transcript: 'the hash-chained transcript of the ceremony',
  upload: "the index's check of a claimed project's upload",
};

export const COMMANDS: readonly Command[] = [
  lazy(top.verify, () => import('./commands/verify.js')),
  lazy(top.verifyDownload, () => import('./commands/verify-download.js')),
  lazy(top.init, () => import('./commands/init.js')),
  lazy(top.claim, () => import('./commands/claim.js')),
  lazy(top.revoke, () => import('./commands/revoke.js')),
  lazy(top.status, () => import('./commands/status.js')),
  lazy(top.expiry, () => import('./commands/expiry.js')),
  lazy(top.resign, () => import('./commands/resign.js')),
  lazy(top.rotate, () => import('./commands/rotate.js')),
  lazy(top.recover, () => import('./commands/recover.js')),
  lazy(top.rehearsal, () => import('./commands/rehearsal.js')),
  lazy(top.selfCheck, () => import('./commands/self-check.js')),
  lazy(plan.check, () => import('./commands/plan/check.js')),
  lazy(event.show, () => import('./commands/event/show.js')),
  lazy(event.sign, () => import('./commands/event/sign.js')),
  lazy(event.merge, () => import('./commands/event/merge.js')),
  lazy(event.status, () => import('./commands/event/status.js')),
  lazy(event.finalize, () => import('./commands/event/finalize.js')),
  lazy(transcript.verify, () => import('./commands/transcript/verify.js')),
  lazy(transcript.show, () => import('./commands/transcript/show.js')),
  lazy(transcript.note, () => import('./commands/transcript/note.js')),
  lazy(transcript.record, () => import('./commands/transcript/record.js')),
  lazy(token.list, () => import('./commands/token/list.js')),
  lazy(key.generate, () => import('./commands/key/generate.js')),
  lazy(key.exportKey, () => import('./commands/key/export.js')),
  lazy(dev.keygen, () => import('./commands/dev/keygen.js')),
  lazy(dev.request, () => import('./commands/dev/request.js')),
  lazy(dev.check, () => import('./commands/dev/check.js')),
  lazy(dev.pubkey, () => import('./commands/dev/pubkey.js')),
  lazy(dev.sign, () => import('./commands/dev/sign.js')),
  lazy(dev.fetchMetadata, () => import('./commands/dev/fetch.js')),
  lazy(upload.check, () => import('./commands/upload/check.js')),
  lazy(bundle.exportBundle, () => import('./commands/bundle/export.js')),
  lazy(bundle.exportOnline, () => import('./commands/bundle/export-online.js')),
  lazy(bundle.verify, () => import('./commands/bundle/verify.js')),
  lazy(bundle.importBundle, () => import('./commands/bundle/import.js')),
  lazy(ceremony.run, () => import('./commands/ceremony/run.js')),
  lazy(online.init, () => import('./commands/online/init.js')),
  lazy(online.importBundle, () => import('./commands/online/import.js')),
  lazy(online.register, () => import('./commands/online/register.js')),
  lazy(online.upload, () => import('./commands/online/upload.js')),
  lazy(online.publish, () => import('./commands/online/publish.js')),
];

/** The command named by the first words of argv (the longest match), and the words after them. */
export function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const c of COMMANDS) {
    if (c.name.every((w, i) => argv[i] === w) && (!best || c.name.length > best.name.length)) best = c;
  }
  return best ? { command: best, rest: argv.slice(best.name.length) } : undefined;
}

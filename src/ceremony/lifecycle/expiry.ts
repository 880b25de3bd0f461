/**
 * The expiry report: every offline role (root, targets, claimed and its bins) with its version,
 * expiry, days left and the signers a renewal will need, against one fixed "now" and a renewal
 * window. It drives reminders: the report's `state` says whether something is due or expired, and
 * the CLI maps that state to its exit code (src/cli/exit-codes.ts).
 */
import { formatExpires, UsageError } from '../../tuf/base/index.js';
import { authorityFor, describeAuthority, type CurrentRoles } from './expiry-signers.js';
import type { CeremonyPlan, OfflineRole } from '../state/plan.js';

export type ExpiryStatus = 'ok' | 'due' | 'expired';

const DAY = 86_400;

export interface RoleExpiry {
  role: string;
  version: number;
  expires: string;
  /** Whole days from `at` to the expiry, rounded down; negative once expired. */
  daysLeft: number;
  secondsLeft: number;
  status: ExpiryStatus;
  /** The plan's period for this role (claimed bins use claimed's). */
  period: string;
  periodSeconds: number;
  delegator?: string;
  threshold?: number;
  /** Holders of the keys that must sign the renewal, one per key. */
  holders: string[];
  keyids: string[];
  signersNeeded: string;
}

export interface ExpiryReport {
  at: string;
  /** The renewal window: a role expiring before at + window is due. */
  within: string;
  withinSeconds: number;
  /** The plan's own warning margin, shown beside the window. */
  planWarning: string;
  roles: RoleExpiry[];
  due: string[];
  expired: string[];
  /** The worst role's status: `expired` if any role expired, else `due` if any is due, else `ok`. */
  state: ExpiryStatus;
}

/** The plan policy that governs a role's period: claimed bins follow claimed (PEP 480). */
export function policyRoleOf(plan: CeremonyPlan, role: string): OfflineRole | undefined {
  if (role === 'root' || role === 'targets' || role === 'claimed') return role;
  const bins = plan.roles.claimed.bins;
  if (bins && role.startsWith(`${bins.namePrefix}-`)) return 'claimed';
  return undefined;
}

const ROLE_ORDER = ['root', 'targets', 'claimed'];
function orderRoles(a: string, b: string): number {
  const ia = ROLE_ORDER.indexOf(a);
  const ib = ROLE_ORDER.indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
}

export function computeExpiry(
  current: CurrentRoles,
  plan: CeremonyPlan,
  options: { at: Date; within?: { text: string; seconds: number } },
): ExpiryReport {
  // An empty report would read as "nothing expires" to a reminder job: say what is wrong instead.
  if (current.size === 0)
    throw new UsageError(
      'the repository has no finalized metadata yet (finalize the bootstrap event first); nothing to report',
      'E_NO_VERSION',
    );
  const at = options.at;
  const within = options.within ?? { text: plan.expiryWarning, seconds: plan.expiryWarningSeconds };
  const roles: RoleExpiry[] = [];
  for (const role of [...current.keys()].sort(orderRoles)) {
    const md = current.get(role)!;
    const policyRole = policyRoleOf(plan, role);
    const policy = policyRole ? plan.roles[policyRole] : undefined;
    const secondsLeft = Math.floor((md.signed.expires.getTime() - at.getTime()) / 1000);
    // Expired when expires <= now, as a client checks it (TUF spec 5.3.10, 5.4.4, 5.6.4).
    const status: ExpiryStatus = secondsLeft <= 0 ? 'expired' : secondsLeft <= within.seconds ? 'due' : 'ok';
    const auth = authorityFor(current, role);
    roles.push({
      role,
      version: md.signed.version,
      expires: formatExpires(md.signed.expires),
      daysLeft: Math.floor(secondsLeft / DAY),
      secondsLeft,
      status,
      period: policy?.expires ?? '(not in the plan)',
      periodSeconds: policy?.expiresSeconds ?? 0,
      delegator: auth?.delegator,
      threshold: auth?.threshold,
      holders: auth?.holders ?? [],
      keyids: auth?.keyids ?? [],
      signersNeeded: auth ? describeAuthority(auth) : '(no role delegates to it)',
    });
  }
  const due = roles.filter((r) => r.status !== 'ok').map((r) => r.role);
  const expired = roles.filter((r) => r.status === 'expired').map((r) => r.role);
  const state: ExpiryStatus = expired.length ? 'expired' : due.length ? 'due' : 'ok';
  return {
    at: formatExpires(at),
    within: within.text,
    withinSeconds: within.seconds,
    planWarning: plan.expiryWarning,
    roles,
    due,
    expired,
    state,
  };
}

/**
 * TUF timestamps: exactly `YYYY-MM-DDTHH:MM:SSZ` (TUF specification 1.0.x section 4.2). python-tuf refuses
 * the milliseconds that `Date.prototype.toISOString()` adds, so every write goes through here.
 */
import { FormatError } from './errors.js';

const EXPIRES = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** Parse a TUF `expires` value; anything but the exact form, or an impossible date, is refused. */
export function parseExpires(text: unknown, field = 'expires'): Date {
  if (typeof text !== 'string')
    throw new FormatError(field, `expected a string like 2030-01-01T00:00:00Z, got ${typeof text}`);
  const m = EXPIRES.exec(text);
  if (!m) throw new FormatError(field, `"${text}" is not of the form YYYY-MM-DDTHH:MM:SSZ`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  ) {
    throw new FormatError(field, `"${text}" is not a real date and time`);
  }
  return date;
}

/** Format a date the one way TUF accepts, truncated to whole seconds. */
export function formatExpires(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new FormatError('expires', 'invalid date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const DURATION = /^(\d+)([smhdwy])$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400, y: 365 * 86400 };

/** Parse a duration such as `30d`, `12h`, `1y` (a year is 365 days) into seconds. */
export function parseDuration(text: string, field = 'duration'): number {
  const m = DURATION.exec(text);
  if (!m) throw new FormatError(field, `"${text}" is not a duration like 30d, 12h, 1y`);
  return Number(m[1]) * UNIT_SECONDS[m[2]!]!;
}

/** Parse a point in time given on the command line (`--at`): a TUF timestamp or an ISO date. */
export function parseInstant(text: string, field = '--at'): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseExpires(`${text}T00:00:00Z`, field);
  return parseExpires(text, field);
}

export function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

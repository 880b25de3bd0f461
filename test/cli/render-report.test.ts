import { describe, expect, it } from 'vitest';
import { OK_ROWS_SHOWN, renderReport } from '../../src/cli/render-report.js';
import type { RepositoryReport, RoleReport } from '../../src/tuf/verify/repository-verifier.js';

const role = (name: string, status: RoleReport['status'] = 'ok', problems: string[] = []): RoleReport => ({
  role: name,
  file: `1.${name}.json`,
  version: 1,
  expires: '2031-01-01T00:00:00Z',
  status,
  problems,
});

describe('the text of a verification report', () => {
  it('lists every role with a problem and the first roles verified without remark, and counts the rest', () => {
    const roles = Array.from({ length: 16_384 }, (_, i) => role(`claimed-bins-${i.toString(16).padStart(4, '0')}`));
    roles[9000] = role('claimed-bins-2328', 'failed', ['a bad signature']);
    const report: RepositoryReport = {
      ok: false,
      at: '2030-01-01T00:00:00Z',
      trustedRootVersion: 1,
      rootVersion: 1,
      freshness: true,
      roles,
      absentCount: 0,
      folderProblems: [],
      notes: [],
    };
    const text = renderReport(report);
    expect(text).toContain('claimed-bins-2328');
    expect(text).toContain('✗ a bad signature');
    expect(text).toContain(
      `… and ${16_383 - OK_ROWS_SHOWN} more roles verified without remark (--json lists every role)`,
    );
    expect(text.split('\n').length).toBeLessThan(OK_ROWS_SHOWN + 10);
  });
});

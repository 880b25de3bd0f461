import { describe, expect, it } from 'vitest';
import { checkProjectName, normalizeProjectName } from '../../src/tuf/model/project-name.js';

describe('project names (PEP 503 normalization, PEP 508 validity)', () => {
  it('normalizes as PEP 503 does', () => {
    expect(normalizeProjectName('Friendly-Bard')).toBe('friendly-bard');
    expect(normalizeProjectName('FRIENDLY-BARD')).toBe('friendly-bard');
    expect(normalizeProjectName('friendly.bard')).toBe('friendly-bard');
    expect(normalizeProjectName('friendly_bard')).toBe('friendly-bard');
    expect(normalizeProjectName('friendly--bard')).toBe('friendly-bard');
    expect(normalizeProjectName('FrIeNdLy-._.-bArD')).toBe('friendly-bard');
  });

  it('refuses names that are not valid, naming the field', () => {
    for (const bad of ['', '-lead', 'trail_', 'space name', 'ünïcode', 'a/b', '*', 'x'.repeat(201)]) {
      expect(() => checkProjectName(bad, 'signed.project')).toThrow(/signed\.project/);
    }
    expect(checkProjectName('Zope.Interface')).toBe('zope-interface');
    expect(checkProjectName('a')).toBe('a');
  });
});

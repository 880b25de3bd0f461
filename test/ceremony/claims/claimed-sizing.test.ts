import { describe, expect, it } from 'vitest';
import {
  adviseClaimedLayout,
  FLAT_CLIENT_LIMIT,
  layoutSize,
  recommendedBitLength,
} from '../../../src/ceremony/claims/claimed-sizing.js';

describe('claimed layout sizing (docs/decisions/0003-claimed-sharding.md)', () => {
  it('a flat claimed role of 600k projects is a quarter of a gigabyte a client downloads whole', () => {
    const flat = layoutSize(600_000, undefined);
    expect(flat.clientBytes).toBeGreaterThan(200e6);
    expect(flat.binBytes).toBe(0);
  });

  it('recommends 2^10 bins for PyPI today and for a million projects, fewer for a small index', () => {
    expect(recommendedBitLength(600_000)).toBe(10);
    expect(recommendedBitLength(1_000_000)).toBe(10);
    expect(recommendedBitLength(100_000)).toBeLessThan(10);
    expect(layoutSize(600_000, 10).clientBytes).toBeLessThan(1e6);
  });

  it('says a flat layout is too large past the limit, and names exact paths when the plan has wildcards', () => {
    expect(adviseClaimedLayout(FLAT_CLIENT_LIMIT, undefined, true).tooLarge).toBeUndefined();
    expect(adviseClaimedLayout(600_000, undefined, true).tooLarge).toMatch(
      /flat claimed role of 600000 projects .* bit_length 10/,
    );
    expect(adviseClaimedLayout(600_000, undefined, false).tooLarge).toMatch(/no wildcard/);
    expect(adviseClaimedLayout(600_000, 10, true).tooLarge).toBeUndefined();
  });
});

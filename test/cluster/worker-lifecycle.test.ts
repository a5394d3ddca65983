import { describe, expect, it } from 'vitest';
import { MAX_RESTART_DELAY_MS, QUICK_DEATH_MS, RestartPolicy } from '../../src/cluster/worker-lifecycle.js';

describe('RestartPolicy', () => {
  it('replaces a worker that ran a while at once', () => {
    expect(new RestartPolicy().delayAfter(QUICK_DEATH_MS)).toBe(0);
  });

  it('waits longer after each crash right after start, up to the cap', () => {
    const policy = new RestartPolicy();
    const delays = Array.from({ length: 9 }, () => policy.delayAfter(100));
    expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, MAX_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS]);
  });

  it('starts over once a worker has run a while', () => {
    const policy = new RestartPolicy();
    policy.delayAfter(100);
    policy.delayAfter(100);
    expect(policy.delayAfter(60_000)).toBe(0);
    expect(policy.delayAfter(100)).toBe(250);
  });
});

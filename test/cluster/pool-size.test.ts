import { describe, expect, it, inject } from 'vitest';
import { MIN_POOL_SIZE, poolSizePerWorker, readConnectionLimits } from '../../src/cluster/pool-size.js';

describe('poolSizePerWorker', () => {
  it('gives each worker the pool asked for when N pools fit', () => {
    // 100 − 3 reserved − 5 headroom = 92; 92 / 2 = 46, less the listening connection: 45 ≥ 10.
    expect(poolSizePerWorker({ maxConnections: 100, reserved: 3, workers: 2, wanted: 10 })).toEqual({ size: 10, budget: 92, fits: true });
  });

  it('shrinks every pool to an equal share when N pools of the wanted size would not fit', () => {
    // 92 / 16 = 5 each, one of them the listening connection: pools of 4.
    const sizing = poolSizePerWorker({ maxConnections: 100, reserved: 3, workers: 16, wanted: 10 });
    expect(sizing).toEqual({ size: 4, budget: 92, fits: true });
    expect(16 * (sizing.size + 1)).toBeLessThanOrEqual(92);
  });

  it('counts reserved_connections and the headroom it is given', () => {
    expect(poolSizePerWorker({ maxConnections: 50, reserved: 3 + 5, workers: 4, wanted: 20, headroom: 2 }).size).toBe(9);
  });

  it('never goes below the minimum, and says when that no longer fits', () => {
    expect(poolSizePerWorker({ maxConnections: 20, reserved: 3, workers: 8, wanted: 10 })).toEqual({ size: MIN_POOL_SIZE, budget: 12, fits: false });
  });

  it('leaves one worker its wanted pool on a roomy server', () => {
    expect(poolSizePerWorker({ maxConnections: 200, reserved: 3, workers: 1, wanted: 10 }).size).toBe(10);
  });

  it('refuses a worker count that is not a positive integer', () => {
    expect(() => poolSizePerWorker({ maxConnections: 100, reserved: 3, workers: 0, wanted: 10 })).toThrow(RangeError);
  });
});

describe('readConnectionLimits', () => {
  it("reads max_connections and the reserved slots from the server", async () => {
    const limits = await readConnectionLimits(inject('maintenanceUrl'));
    expect(limits.maxConnections).toBeGreaterThan(limits.reserved);
    expect(limits.reserved).toBeGreaterThanOrEqual(0);
  });
});

import { describe, expect, it } from 'vitest';
import { parseLsn, ReplicaLag } from '../../src/db/replica-lag.js';
import { replicaCouldNotAnswer, replicaName } from '../../src/db/replicas.js';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('replica lag', () => {
  it('reads WAL positions as PostgreSQL prints them, in order', () => {
    expect(parseLsn('0/0')).toBe(0n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    expect(() => parseLsn('16-B374D848')).toThrow(/not a WAL position/);
  });

  it('is the age of the oldest primary position the replica has not replayed', () => {
    const lag = new ReplicaLag();
    lag.primaryAt(100n, 1_000);
    lag.primaryAt(200n, 2_000);
    lag.primaryAt(300n, 3_000);
    expect(lag.replayedUpTo(50n, 3_500)).toBe(2_500);
    expect(lag.replayedUpTo(200n, 3_500)).toBe(500);
    expect(lag.replayedUpTo(300n, 3_600)).toBe(0);
  });

  it('stays 0 on an idle primary, however long since its last write', () => {
    const lag = new ReplicaLag();
    lag.primaryAt(100n, 1_000);
    expect(lag.replayedUpTo(100n, 1_010)).toBe(0);
    lag.primaryAt(100n, 60_000);
    expect(lag.replayedUpTo(100n, 600_000)).toBe(0);
  });

  it('keeps growing while the replica replays nothing, and keeps its oldest sample when many pile up', () => {
    const lag = new ReplicaLag();
    for (let i = 1; i <= 5_000; i++) lag.primaryAt(BigInt(i), i);
    expect(lag.replayedUpTo(0n, 10_000)).toBe(9_999);
    expect(lag.replayedUpTo(4_999n, 10_000)).toBe(5_000);
  });
});

describe('which failed reads go to the primary', () => {
  it('retries when the replica could not answer, not when the statement is at fault', () => {
    expect(replicaCouldNotAnswer(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(replicaCouldNotAnswer(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(replicaCouldNotAnswer(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(replicaCouldNotAnswer(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(replicaCouldNotAnswer(Object.assign(new Error('canceling statement due to conflict with recovery'), { code: '40001' }))).toBe(true);
    expect(replicaCouldNotAnswer(Object.assign(new Error('connection failure'), { code: '08006' }))).toBe(true);
    expect(replicaCouldNotAnswer(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))).toBe(false);
    expect(replicaCouldNotAnswer(Object.assign(new Error('invalid input syntax for type uuid'), { code: '22P02' }))).toBe(false);
  });

  it('names a replica without its credentials', () => {
    expect(replicaName('postgres://reader:secret@replica-1.internal:6432/bestays?sslmode=require')).toBe('replica-1.internal:6432/bestays');
    expect(replicaName('postgresql://replica-2/bestays')).toBe('replica-2:5432/bestays');
  });
});

describe('DATABASE_REPLICA_URLS and REPLICA_MAX_LAG_MS', () => {
  it('takes a comma-separated list, and a lag bound of 5 s by default', () => {
    const config = loadConfig({ DATABASE_REPLICA_URLS: ' postgres://a:5432/db , postgresql://b/db ,' });
    expect(config.databaseReplicaUrls).toEqual(['postgres://a:5432/db', 'postgresql://b/db']);
    expect(config.replicaMaxLagMs).toBe(5_000);
    expect(loadConfig({}).databaseReplicaUrls).toEqual([]);
    expect(loadConfig({ REPLICA_MAX_LAG_MS: '250' }).replicaMaxLagMs).toBe(250);
  });

  it('refuses what is not a postgres URL, naming the entry but not echoing it', () => {
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://a/db,mysql://user:pw@b/db' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://a/db,mysql://user:pw@b/db' })).toThrow(/entry 2 must start with postgres:\/\//);
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'mysql://user:pw@b/db' })).not.toThrow(/pw/);
    expect(() => loadConfig({ REPLICA_MAX_LAG_MS: 'soon' })).toThrow(/REPLICA_MAX_LAG_MS must be an integer/);
  });
});

/** A WAL position as PostgreSQL prints it (`16/B374D848`), as one comparable number. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!match) throw new Error(`not a WAL position: ${text}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

const MAX_SAMPLES = 1_000;

/**
 * How far a replica is behind, in time: the primary's WAL position is sampled at every check, and
 * the replica lags by the age of the oldest sample it has not replayed yet. Unlike
 * `now() - pg_last_xact_replay_timestamp()`, this reads 0 on an idle primary and keeps growing
 * when the replica stops receiving (its own view of the stream is then stale, not caught up).
 */
export class ReplicaLag {
  private readonly samples: { lsn: bigint; at: number }[] = [];

  /** The primary was at `lsn` at time `at` (ms). */
  primaryAt(lsn: bigint, at: number): void {
    const newest = this.samples.at(-1);
    if (newest && newest.lsn >= lsn) return;
    this.samples.push({ lsn, at });
    // A replica that stays behind for long must not grow the list; the oldest sample alone sets the lag.
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(1, 1);
  }

  /** The replica has replayed up to `lsn`; returns its lag at time `now` (ms). */
  replayedUpTo(lsn: bigint, now: number): number {
    while (this.samples.length > 0 && this.samples[0]!.lsn <= lsn) this.samples.shift();
    const oldest = this.samples[0];
    return oldest ? Math.max(0, now - oldest.at) : 0;
  }
}

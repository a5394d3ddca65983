import { entryHashSql } from './audit-chain.js';

/**
 * Recomputing audit chains, shared by `Query.verifyAuditChain` and `npm run audit:verify`. The
 * database recomputes each hash with audit_log_entry_hash (the trigger's own definition of an
 * entry's content) and the window functions supply what each entry should link to; this module
 * only compares. Rows come in (entity_type, entity_id, seq) order, which the unique index
 * audit_log_entity_seq_unique delivers without a sort, so a cursor streams any number of them.
 */

/** One entry with what the chain says it should be. */
export interface ChainEntryRow {
  entity_type: string;
  entity_id: string;
  seq: number;
  /** Its 1-based place among the entity's entries in seq order. */
  position: number;
  previous_hash: string | null;
  /** The hash of the entry before it in seq order; null for the first. */
  expected_previous_hash: string | null;
  hash: string;
  recomputed_hash: string;
  performed_by: number | null;
  actor_id: number | null;
  /** audit_log_head's record of the chain's newest link; given on the entity's last entry only. */
  is_last: boolean;
  head_seq: number | null;
  head_hash: string | null;
}

/** The entries of every chain, or of one entity (`$1` type, `$2` id), in chain order. */
export function chainEntriesSql(oneEntity: boolean): string {
  const where = oneEntity ? ' where a.entity_type = $1 and a.entity_id = $2' : '';
  return `select a.entity_type, a.entity_id, a.seq,
      (row_number() over chain)::int as position,
      a.previous_hash, lag(a.hash) over chain as expected_previous_hash,
      a.hash, ${entryHashSql('a', 'a.previous_hash')} as recomputed_hash,
      a.performed_by, a.actor_id,
      (lead(a.seq) over chain) is null as is_last,
      h.seq as head_seq, h.hash as head_hash
    from audit_log a
    left join audit_log_head h on h.entity_type = a.entity_type and h.entity_id = a.entity_id${where}
    window chain as (partition by a.entity_type, a.entity_id order by a.seq)
    order by a.entity_type, a.entity_id, a.seq`;
}

/** What does not match at this entry, for a person to read; undefined when it holds. */
export function problemOf(row: ChainEntryRow): string | undefined {
  if (row.seq !== row.position) {
    return `sequence: entry ${row.position} of the chain has seq ${row.seq} (an entry was removed, inserted or moved)`;
  }
  if (row.previous_hash !== row.expected_previous_hash) {
    return row.expected_previous_hash === null
      ? 'link: the first entry names a previous hash'
      : `link: previous_hash ${row.previous_hash ?? 'null'} is not the hash of seq ${row.seq - 1} (${row.expected_previous_hash})`;
  }
  if (row.hash !== row.recomputed_hash) {
    return `content: the stored hash ${row.hash} does not match the entry's content (${row.recomputed_hash})`;
  }
  if (row.performed_by !== null && row.performed_by !== row.actor_id) {
    return `actor: performed_by ${row.performed_by} is not the actor at write time (${row.actor_id ?? 'none'})`;
  }
  if (row.is_last && (row.head_seq !== row.seq || row.head_hash !== row.hash)) {
    return row.head_seq === null
      ? `head: audit_log_head has no record of this chain, whose last entry is seq ${row.seq}`
      : `head: audit_log_head records seq ${row.head_seq} (${row.head_hash}), the last entry is seq ${row.seq} (${row.hash})`;
  }
  return undefined;
}

export interface ChainCheck {
  entityType: string;
  entityId: string;
  length: number;
  valid: boolean;
  firstBrokenSeq: number | null;
  problem: string | null;
  headHash: string | null;
}

/**
 * Folds one entity's rows, in order, into its check: the first problem is kept, later ones are
 * reported to `onProblem` (the CLI prints every broken link) but do not change the verdict.
 */
export class ChainAccumulator {
  private length = 0;
  private firstBrokenSeq: number | null = null;
  private problem: string | null = null;
  private headHash: string | null = null;

  constructor(
    readonly entityType: string,
    readonly entityId: string,
  ) {}

  add(row: ChainEntryRow): string | undefined {
    this.length++;
    this.headHash = row.hash;
    const problem = problemOf(row);
    if (problem !== undefined && this.problem === null) {
      this.firstBrokenSeq = row.seq;
      this.problem = problem;
    }
    return problem;
  }

  result(): ChainCheck {
    return {
      entityType: this.entityType,
      entityId: this.entityId,
      length: this.length,
      valid: this.problem === null,
      firstBrokenSeq: this.firstBrokenSeq,
      problem: this.problem,
      headHash: this.headHash,
    };
  }
}

/** Heads whose chain has no entry at all: every entry of that entity was removed. */
export function orphanHeadsSql(oneEntity: boolean): string {
  const where = oneEntity ? ' and h.entity_type = $1 and h.entity_id = $2' : '';
  return `select h.entity_type, h.entity_id, h.seq from audit_log_head h
    where not exists (select 1 from audit_log a where a.entity_type = h.entity_type and a.entity_id = h.entity_id)${where}
    order by h.entity_type, h.entity_id`;
}

export function orphanHeadProblem(headSeq: number): string {
  return `head: audit_log_head records seq ${headSeq}, but the chain has no entry`;
}

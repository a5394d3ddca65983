import type { Pool, QueryResultRow } from 'pg';

export interface SqlReadOptions {
  /**
   * Sends the statement unnamed, planned for its actual values: for conditions whose best plan
   * depends on the value (a search pattern, a rarely changed field), where one generic plan for
   * every value could walk the wrong index.
   */
  planEachTime?: boolean;
}

/** Where the hand-written reads run: one pool, or whichever of the replicas and the primary should serve them. */
export interface SqlRows {
  rows<Row extends QueryResultRow>(text: string, values: readonly unknown[], options?: SqlReadOptions): Promise<Row[]>;
}

/**
 * Reads with hand-written, parameterised SQL on the ORM's own pool, as prepared statements: each
 * distinct text gets a name once, and every connection plans it once and reuses the plan. The few
 * texts the readers build (one per combination of filters and joins) keep this set small.
 */
export class SqlReader implements SqlRows {
  private readonly names = new Map<string, string>();

  constructor(private readonly pool: Pool) {}

  async rows<Row extends QueryResultRow>(text: string, values: readonly unknown[], options: SqlReadOptions = {}): Promise<Row[]> {
    const query = options.planEachTime ? { text, values: values as unknown[] } : { name: this.nameOf(text), text, values: values as unknown[] };
    const result = await this.pool.query<Row>(query);
    return result.rows;
  }

  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (name === undefined) {
      name = `bestays_read_${this.names.size + 1}`;
      this.names.set(text, name);
    }
    return name;
  }
}

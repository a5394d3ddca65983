import type { Pool, QueryResultRow } from 'pg';

/**
 * Reads with hand-written, parameterised SQL on the ORM's own pool, as prepared statements: each
 * distinct text gets a name once, and every connection plans it once and reuses the plan. The few
 * texts the readers build (one per combination of filters and joins) keep this set small.
 */
export class SqlReader {
  private readonly names = new Map<string, string>();

  constructor(private readonly pool: Pool) {}

  async rows<Row extends QueryResultRow>(text: string, values: readonly unknown[]): Promise<Row[]> {
    const result = await this.pool.query<Row>({ name: this.nameOf(text), text, values: values as unknown[] });
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

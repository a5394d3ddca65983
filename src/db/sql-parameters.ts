/** Collects the values of a statement as it is written, handing out their `$n` placeholders in order. */
export class SqlParameters {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

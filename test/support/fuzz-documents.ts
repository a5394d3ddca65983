import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

/** A small seeded generator, so a failing document can be produced again from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzRequest {
  query: string;
  variables?: Record<string, unknown>;
}

const NASTY_STRINGS = [
  '',
  ' ',
  'x'.repeat(300),
  "'; drop table users; --",
  '\u0000',
  '💥'.repeat(10),
  '2026-13-45T99:99:99Z',
  'not-a-uuid',
  '019abcde-0000-7000-8000-000000000000',
  'eyJub3QiOiJhIGN1cnNvciJ9',
  '-1',
  '99999999999999999999',
  '%',
  '_',
];

export class DocumentFuzzer {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly random: () => number,
  ) {}

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private chance(probability: number): boolean {
    return this.random() < probability;
  }

  /** A value for an input type: usually valid, sometimes of the wrong kind. */
  value(type: GraphQLInputType, depth = 0): unknown {
    if (this.chance(0.1)) return this.pick<unknown>([null, 42, 'text', true, [], {}, -1, 1e12]);
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      return Array.from({ length: Math.floor(this.random() * 3) }, () => this.value(nullable.ofType, depth + 1));
    }
    if (isEnumType(nullable)) return this.pick(nullable.getValues()).name;
    if (isInputObjectType(nullable)) {
      const result: Record<string, unknown> = {};
      for (const field of Object.values(nullable.getFields())) {
        if (isNonNullType(field.type) || this.chance(0.5)) result[field.name] = this.value(field.type, depth + 1);
      }
      return result;
    }
    if (isScalarType(nullable)) {
      switch (nullable.name) {
        case 'Int':
          return this.pick([0, 1, 20, 100, 101, -5, 2 ** 31]);
        case 'Boolean':
          return this.chance(0.5);
        case 'DateTime':
          return this.pick(['2026-11-24T21:00:00.000Z', '1970-01-01T00:00:00Z', 'yesterday', '2026-02-30T00:00:00Z']);
        case 'JSONObject':
          return { a: 1 };
        default:
          return this.pick(NASTY_STRINGS);
      }
    }
    return null;
  }

  /** A GraphQL literal for a value (objects without quoted keys, enums bare when they look like names). */
  literal(value: unknown, type: GraphQLInputType): string {
    if (value === null || value === undefined) return 'null';
    const named = getNamedType(type);
    if (Array.isArray(value)) return `[${value.map((item) => this.literal(item, type)).join(', ')}]`;
    if (typeof value === 'object') {
      const fields = isInputObjectType(named) ? named.getFields() : {};
      return `{${Object.entries(value)
        .map(([key, item]) => `${key}: ${this.literal(item, fields[key]?.type ?? type)}`)
        .join(', ')}}`;
    }
    if (typeof value === 'string' && isEnumType(named) && /^[A-Z_]+$/.test(value)) return value;
    return JSON.stringify(value);
  }

  private selection(type: GraphQLObjectType, depth: number, variables: Map<string, { type: GraphQLInputType; value: unknown }>): string {
    const fields = Object.values(type.getFields());
    const chosen = fields.filter(() => this.chance(0.4));
    if (chosen.length === 0) chosen.push(this.pick(fields));
    return chosen.map((field) => this.field(field, depth, variables)).join(' ');
  }

  private field(
    field: GraphQLField<unknown, unknown>,
    depth: number,
    variables: Map<string, { type: GraphQLInputType; value: unknown }>,
  ): string {
    const args = field.args
      .filter((arg) => isNonNullType(arg.type) || this.chance(0.5))
      .map((arg) => {
        const value = this.value(arg.type);
        if (this.chance(0.4)) {
          const name = `v${variables.size}`;
          variables.set(name, { type: arg.type, value });
          return `${arg.name}: $${name}`;
        }
        return `${arg.name}: ${this.literal(value, arg.type)}`;
      });
    const alias = this.chance(0.1) ? `a${Math.floor(this.random() * 1000)}: ` : '';
    const head = `${alias}${field.name}${args.length ? `(${args.join(', ')})` : ''}`;
    const named = getNamedType(field.type);
    if (!isObjectType(named)) return head;
    if (depth > 4) return `${head} { __typename }`;
    return `${head} { ${this.selection(named, depth + 1, variables)} }`;
  }

  /** A document over the schema's root fields, with some arguments passed as variables. */
  document(): FuzzRequest {
    const root = this.chance(0.7) ? this.schema.getQueryType()! : this.schema.getMutationType()!;
    const variables = new Map<string, { type: GraphQLInputType; value: unknown }>();
    const body = this.selection(root, 0, variables);
    const keyword = root === this.schema.getQueryType() ? 'query' : 'mutation';
    const declarations = [...variables.entries()].map(([name, { type }]) => `$${name}: ${type.toString()}`);
    const query = `${keyword} Fuzz${declarations.length ? `(${declarations.join(', ')})` : ''} { ${body} }`;
    return { query, variables: Object.fromEntries([...variables.entries()].map(([name, { value }]) => [name, value])) };
  }

  /** A document broken the ways hand-typed and hostile ones are: cut, spliced, or with wrong names. */
  broken(): FuzzRequest {
    const { query, variables } = this.document();
    switch (Math.floor(this.random() * 5)) {
      case 0:
        return { query: query.slice(0, Math.floor(this.random() * query.length)), variables };
      case 1: {
        const at = Math.floor(this.random() * query.length);
        return { query: `${query.slice(0, at)}${this.pick(['{', '}', '(', ')', '$', '"', '!', '...', '@auth'])}${query.slice(at)}`, variables };
      }
      case 2:
        return { query: query.replace(/\b[a-z][A-Za-z]+\b/, 'notAField'), variables };
      case 3:
        return { query, variables: { ...variables, v0: this.pick<unknown>([{ nested: [1, 2] }, 'x', 12.5, [null]]) } };
      default:
        return { query: query.replace(/\$v\d+: [^,)]+/, '$undeclared: Int'), variables };
    }
  }
}

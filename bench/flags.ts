/** `--name value` and `--name=value` flags; a bare `--name` reads as "true". */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}" (flags are --name value)`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(arg.slice(2), next);
      i++;
    } else {
      flags.set(arg.slice(2), 'true');
    }
  }
  return flags;
}

export function intFlag(flags: Map<string, string>, name: string, fallback: number, min = 0): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

export function boolFlag(flags: Map<string, string>, name: string): boolean {
  const raw = flags.get(name);
  return raw !== undefined && raw !== 'false' && raw !== '0';
}

/** Rejects typos: a misspelt flag would otherwise run a different benchmark than the one asked for. */
export function assertKnownFlags(flags: Map<string, string>, known: readonly string[]): void {
  for (const name of flags.keys()) {
    if (!known.includes(name)) throw new Error(`unknown flag --${name}; known: ${known.map((k) => `--${k}`).join(' ')}`);
  }
}

/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and sums time by function and by package.
 *   tsx bench/cpuprofile-summary.ts <file.cpuprofile> [--top 25]
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Entry {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Time outside JavaScript waiting for I/O. */
  idleMs: number;
  selfByFunction: Entry[];
  selfByPackage: Entry[];
  /** Self time with Node internals and native frames charged to the nearest package above them (socket writes to `pg`, say). */
  selfByCallingPackage: Entry[];
  /** Functions of the application (src/) with everything they call, the best map of where requests spend time. */
  inclusiveApp: Entry[];
  inclusiveByPackage: Entry[];
}

/** `graphql`, `@mikro-orm/core`, `src/graphql/schema.js`, `node:internal`, or a V8 pseudo-frame. */
export function packageOf(frame: CallFrame): string {
  const { url } = frame;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

/** The file within its package (or src/), short enough to read and precise enough to open. */
function fileOf(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, '');
}

function functionKey(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  return frame.url ? `${name}  ${fileOf(frame.url)}:${frame.lineNumber + 1}` : name;
}

function ranked(totals: Map<string, number>, totalMs: number): Entry[] {
  return [...totals.entries()]
    .map(([name, ms]) => ({ name, ms, share: totalMs > 0 ? ms / totalMs : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

function add(totals: Map<string, number>, key: string, ms: number): void {
  totals.set(key, (totals.get(key) ?? 0) + ms);
}

export function summarise(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const callingPackageOf = (id: number): string => {
    const leaf = byId.get(id)!.callFrame;
    if (leaf.functionName === '(garbage collector)' || leaf.functionName === '(program)') return leaf.functionName;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.url && !frame.url.startsWith('node:')) return packageOf(frame);
    }
    return 'node:internal';
  };

  const selfByFunction = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  const selfByCallingPackage = new Map<string, number>();
  const inclusiveApp = new Map<string, number>();
  const inclusiveByPackage = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    totalMs += ms;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    add(selfByFunction, functionKey(node.callFrame), ms);
    add(selfByPackage, packageOf(node.callFrame), ms);
    add(selfByCallingPackage, callingPackageOf(node.id), ms);
    // Each function or package counts once per sample, however deep its recursion.
    const seenFunctions = new Set<string>();
    const seenPackages = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      const pkg = packageOf(frame);
      if (!seenPackages.has(pkg)) {
        seenPackages.add(pkg);
        add(inclusiveByPackage, pkg, ms);
      }
      if (pkg.startsWith('src/')) {
        const key = functionKey(frame);
        if (!seenFunctions.has(key)) {
          seenFunctions.add(key);
          add(inclusiveApp, key, ms);
        }
      }
    }
  }
  const busyMs = totalMs - idleMs;
  return {
    selfByCallingPackage: ranked(selfByCallingPackage, busyMs),
    totalMs,
    idleMs,
    selfByFunction: ranked(selfByFunction, busyMs),
    selfByPackage: ranked(selfByPackage, busyMs),
    inclusiveApp: ranked(inclusiveApp, busyMs),
    inclusiveByPackage: ranked(inclusiveByPackage, busyMs),
  };
}

export async function readProfile(path: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
}

function printEntries(title: string, entries: readonly Entry[], top: number): void {
  console.log(`  ${title}`);
  for (const entry of entries.slice(0, top)) {
    console.log(`    ${entry.ms.toFixed(0).padStart(7)} ms ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}`);
  }
}

export function printSummary(label: string, summary: ProfileSummary, top = 25): void {
  const busy = summary.totalMs - summary.idleMs;
  console.log(
    `\n${label}: ${(summary.totalMs / 1000).toFixed(1)} s profiled, ${(busy / 1000).toFixed(1)} s on the CPU ` +
      `(${((busy / summary.totalMs) * 100).toFixed(0)}%); shares below are of CPU time`,
  );
  printEntries('self time by package', summary.selfByPackage, 15);
  printEntries('self time by package, Node internals charged to the package that called them', summary.selfByCallingPackage, 15);
  printEntries('self time by function', summary.selfByFunction, top);
  printEntries('time including callees, by package', summary.inclusiveByPackage, 15);
  printEntries('time including callees, application functions (src/)', summary.inclusiveApp, 20);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [path, flag, value] = process.argv.slice(2);
  if (!path) {
    console.error('usage: tsx bench/cpuprofile-summary.ts <file.cpuprofile> [--top N]');
    process.exit(2);
  }
  printSummary(path, summarise(await readProfile(path)), flag === '--top' ? Number(value) : 25);
}

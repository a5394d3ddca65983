import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, lstat, mkdir, readdir, readlink, realpath, rename, rm, rmdir, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Where the embedded PostgreSQL's binaries and cluster live when the project sits in a folder that
 * the `postgres` system user cannot enter (root's home and every `mktemp -d` are 0700). Rather
 * than loosen the user's folders, the binaries are copied once into a root-owned, world-readable
 * home, and the cluster is kept there too, owned by `postgres`, with the data folder the user
 * asked for (`.data/`) a symbolic link to it.
 */
export interface OsIdentity {
  uid: number;
  gid: number;
}

export class PlacementError extends Error {
  override name = 'PlacementError';
}

/** The machine-wide home of relocated binaries and clusters: EMBEDDED_POSTGRES_HOME, else under /var/lib. */
export function defaultPlacementHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.EMBEDDED_POSTGRES_HOME?.trim() || '/var/lib/bestays-embedded-postgres');
}

/** Whether `identity` may pass through every folder above `path` (and into `path` itself when asked). */
export async function reachableBy(path: string, identity: OsIdentity, includeSelf = false): Promise<boolean> {
  let folder = includeSelf ? resolve(path) : dirname(resolve(path));
  for (;;) {
    const info = await stat(folder).catch(() => undefined);
    if (info) {
      const through =
        info.uid === identity.uid ? info.mode & 0o100 : info.gid === identity.gid ? info.mode & 0o010 : info.mode & 0o001;
      if (!through) return false;
    }
    const parent = dirname(folder);
    if (parent === folder) return true;
    folder = parent;
  }
}

/** A folder that root owns and everyone may enter and read, whatever the umask. */
async function openFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
  await chmod(path, 0o755);
}

/**
 * The `native` folder of the binaries package (bin, lib, share), or its copy under `home` when
 * `identity` cannot reach the original. The copy is made beside its final name and renamed into
 * place, so that processes starting at once never see half a copy.
 */
export async function reachableBinaries(nativeDir: string, identity: OsIdentity, home: string, version: string): Promise<string> {
  if (await reachableBy(join(nativeDir, 'bin', 'postgres'), identity)) return nativeDir;
  if (!(await reachableBy(home, identity, true).catch(() => false)) && existsSync(home)) {
    throw new PlacementError(`The "postgres" system user cannot enter ${home}; set EMBEDDED_POSTGRES_HOME to a folder it can reach.`);
  }
  const target = join(home, `postgres-${version}`);
  if (existsSync(join(target, 'bin', 'postgres'))) return target;
  await openFolder(home);
  const staging = `${target}.${process.pid}.partial`;
  await rm(staging, { recursive: true, force: true });
  await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
  await chmod(staging, 0o755);
  try {
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(join(target, 'bin', 'postgres'))) throw error;
  }
  return target;
}

/**
 * The folder PostgreSQL is started on for the data folder the user named. Where `identity` can
 * reach `dataDir`, that is `dataDir` itself; otherwise a cluster folder under `home`, named after
 * `dataDir`'s full path, with `dataDir` made a symbolic link to it.
 */
export async function reachableDataDir(dataDir: string, identity: OsIdentity, home: string): Promise<string> {
  const requested = resolve(dataDir);
  const link = await lstat(requested).catch(() => undefined);
  if (link?.isSymbolicLink()) {
    const target = resolve(dirname(requested), await readlink(requested));
    await mkdir(target, { recursive: true, mode: 0o700 });
    await chown(target, identity.uid, identity.gid);
    return await realpath(target);
  }
  if (await reachableBy(requested, identity)) return requested;
  if (link) {
    if ((await readdir(requested)).length > 0) {
      throw new PlacementError(
        `The "postgres" system user that runs the embedded PostgreSQL cannot enter the folders above ${requested}, ` +
          'which already holds files. Move the project to a folder it can reach, or set DATABASE_URL to another PostgreSQL server.',
      );
    }
    await rmdir(requested);
  }
  const clusters = join(home, 'clusters');
  await openFolder(home);
  await openFolder(clusters);
  const id = createHash('sha256').update(requested).digest('hex').slice(0, 16);
  const cluster = join(clusters, `${basename(dirname(requested))}-${basename(requested).replace(/^\./, '')}-${id}`);
  await mkdir(cluster, { recursive: true, mode: 0o700 });
  await chown(cluster, identity.uid, identity.gid);
  await mkdir(dirname(requested), { recursive: true });
  await symlink(cluster, requested, 'dir');
  return cluster;
}

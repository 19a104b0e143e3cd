// Secret, ConfigMap and projected volumes on disk, laid out as the kubelet's AtomicWriter lays them out, so
// that a Secret rotated under a running pod never shows it half a rotation:
//
//   <dir>/..2026_11_30_08_00_00.Ab12Cd/<path>   one version of the files, never changed once written
//   <dir>/..data -> ..2026_11_30_08_00_00.Ab12Cd
//   <dir>/<top> -> ..data/<top>                  one symlink per top-level name of the files
//
// An update writes a complete new version directory, points ..data at it by renaming a fresh ..data_tmp
// symlink over it (rename(2) is atomic), adds and removes top-level symlinks, then removes the old version.
// Opening <dir>/<path> therefore gives the old file or the new one, whole; a reader that needs several files
// of one version resolves ..data once and reads them below what it points at.
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface PayloadFile {
  content: Buffer;
  mode: number;
}

/** Relative path (checked by the caller: no `..` component, not starting with `..`) -> file. */
export type Payload = ReadonlyMap<string, PayloadFile>;

const dataLink = '..data';
const newDataLink = '..data_tmp';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** The version directory ..data points at, or undefined before the first write. */
async function currentVersion(dir: string): Promise<string | undefined> {
  try {
    return await readlink(join(dir, dataLink));
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** Files below `root`, as paths relative to it. */
async function filesBelow(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Whether `version` already holds exactly the payload: same paths, contents and modes. */
async function holds(version: string, payload: Payload): Promise<boolean> {
  const paths = await filesBelow(version);
  if (paths.length !== payload.size) return false;
  for (const path of paths) {
    const wanted = payload.get(path);
    if (!wanted) return false;
    const [content, info] = await Promise.all([readFile(join(version, path)), stat(join(version, path))]);
    if ((info.mode & 0o777) !== (wanted.mode & 0o777) || !content.equals(wanted.content)) return false;
  }
  return true;
}

/** A new, unique version directory: `..<UTC time>.<random>`, as the kubelet names them. */
async function newVersion(dir: string): Promise<string> {
  const time = new Date().toISOString().slice(0, 19).replace(/[-T:]/g, '_');
  const version = await mkdtemp(join(dir, `..${time}.`));
  await chmod(version, 0o755);
  return version;
}

const topLevel = (paths: Iterable<string>) => new Set([...paths].map((path) => path.split('/')[0] as string));

/**
 * Writes the payload into `dir` (created if need be) as one new version; returns false, writing nothing,
 * when the current version already holds it (a Secret's metadata changed, not its data).
 */
export async function writeAtomically(dir: string, payload: Payload): Promise<boolean> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const current = await currentVersion(dir);
  const old = current === undefined ? undefined : join(dir, current);
  if (old && (await holds(old, payload))) return false;

  const version = await newVersion(dir);
  for (const [path, file] of payload) {
    const target = join(version, path);
    await mkdir(join(target, '..'), { recursive: true, mode: 0o755 });
    await writeFile(target, file.content);
    await chmod(target, file.mode);
  }
  if (old) {
    // The podman runtime hands some volumes to the container's user (podman-runtime.ts); a new version
    // keeps the owner of the one it replaces, or that user could no longer read a 0600 token.
    const [was, is] = await Promise.all([stat(old), stat(version)]);
    if (was.uid !== is.uid || was.gid !== is.gid) {
      for (const entry of ['', ...(await readdir(version, { recursive: true }))]) await chown(join(version, entry), was.uid, was.gid);
    }
  }

  await rm(join(dir, newDataLink), { force: true });
  await symlink(relative(dir, version), join(dir, newDataLink));
  await rename(join(dir, newDataLink), join(dir, dataLink));

  const wanted = topLevel(payload.keys());
  for (const name of wanted) {
    await symlink(join(dataLink, name), join(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  if (old) {
    for (const name of await readdir(old)) {
      if (!wanted.has(name)) await rm(join(dir, name), { force: true });
    }
    await rm(old, { recursive: true, force: true });
  }
  return true;
}

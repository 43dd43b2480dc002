import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../shared/exec/command-runner.js';
import type { Logger } from '../../shared/log/logger.js';

/**
 * The Debian bookworm root filesystem every lab node is copied from. Built once with debootstrap
 * and cached under a key derived from its recipe, so a recipe change builds a new image and two
 * concurrent builds never see each other's half-written tree (build in a private dir, then rename).
 */

export interface NodeImageRecipe {
  suite: string;
  variant: string;
  include: string[];
  /** Units that have no business running in a lab node. */
  mask: string[];
  /** Paths removed from the image: it is copied per node, so every megabyte costs on each lab up. */
  prune: string[];
  revision: number;
}

export const NODE_IMAGE_RECIPE: NodeImageRecipe = {
  suite: 'bookworm',
  variant: 'minbase',
  include: ['systemd', 'systemd-sysv', 'dbus', 'iproute2', 'procps', 'libfaketime', 'sqlite3'],
  mask: ['apt-daily.timer', 'apt-daily-upgrade.timer', 'e2scrub_all.timer', 'e2scrub_reap.service', 'fstrim.timer'],
  prune: ['var/lib/apt/lists', 'usr/share/locale', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'var/cache/debconf/templates.dat-old'],
  revision: 2,
};

const COMPLETE_MARKER = '.noderoll-image-complete';

export function defaultImageCacheDir(): string {
  return process.env.NODEROLL_LAB_CACHE ?? '/var/cache/noderoll/lab-images';
}

export function recipeKey(recipe: NodeImageRecipe): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

/** The Debian mirror apt on this host uses, so debootstrap fetches from the same place. */
export async function hostDebianMirror(): Promise<string> {
  const candidates = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const text = await readFile(file, 'utf8');
    const deb822 = /^URIs:\s*(\S+)/m.exec(text);
    if (deb822?.[1] && !deb822[1].includes('security')) return deb822[1];
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (oneLine?.[1]) return oneLine[1];
  }
  return 'http://deb.debian.org/debian';
}

export interface NodeImage {
  rootfs: string;
  key: string;
  builtNow: boolean;
  buildMs: number;
}

export async function ensureNodeImage(options: { cacheDir?: string; logger?: Logger; recipe?: NodeImageRecipe } = {}): Promise<NodeImage> {
  const recipe = options.recipe ?? NODE_IMAGE_RECIPE;
  const cacheDir = options.cacheDir ?? defaultImageCacheDir();
  const key = recipeKey(recipe);
  const finalDir = join(cacheDir, key);
  const rootfs = join(finalDir, 'rootfs');
  if (existsSync(join(finalDir, COMPLETE_MARKER))) return { rootfs, key, builtNow: false, buildMs: 0 };

  const started = Date.now();
  await mkdir(cacheDir, { recursive: true });
  const workDir = join(cacheDir, `.build-${key}-${process.pid}-${randomBytes(3).toString('hex')}`);
  const workRootfs = join(workDir, 'rootfs');
  options.logger?.info({ key, workDir }, 'building lab node image with debootstrap (once per recipe)');
  try {
    await mkdir(workDir, { recursive: true });
    const mirror = await hostDebianMirror();
    await runCommand({
      file: 'debootstrap',
      args: [`--variant=${recipe.variant}`, `--include=${recipe.include.join(',')}`, recipe.suite, workRootfs, mirror],
      timeoutMs: 15 * 60_000,
    });
    await finishImage(workRootfs, recipe);
    await writeFile(join(workDir, 'recipe.json'), JSON.stringify(recipe, null, 2));
    await writeFile(join(workDir, COMPLETE_MARKER), new Date().toISOString());
    try {
      await rename(workDir, finalDir);
    } catch (err) {
      // Another build won the race; its image is as good as ours.
      if (!existsSync(join(finalDir, COMPLETE_MARKER))) throw err;
      await rm(workDir, { recursive: true, force: true });
    }
  } catch (err) {
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
  return { rootfs, key, builtNow: true, buildMs: Date.now() - started };
}

async function finishImage(rootfs: string, recipe: NodeImageRecipe): Promise<void> {
  for (const unit of recipe.mask) {
    await runCommand({ file: 'ln', args: ['-sf', '/dev/null', join(rootfs, 'etc/systemd/system', unit)], timeoutMs: 5000 });
  }
  for (const path of recipe.prune) {
    await rm(join(rootfs, path), { recursive: true, force: true });
    if (!path.includes('.')) await mkdir(join(rootfs, path), { recursive: true });
  }
  // Every node gets its own identity when it is created; the image carries none.
  await writeFile(join(rootfs, 'etc/machine-id'), '');
  await rm(join(rootfs, 'var/lib/dbus/machine-id'), { force: true });
  await rm(join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
  await mkdir(join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
  await mkdir(join(rootfs, 'var/log/journal'), { recursive: true });
}

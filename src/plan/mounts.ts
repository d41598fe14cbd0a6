/**
 * config.json `mounts` → planned mounts: option strings parsed into mount(2) flags, propagation and
 * mount_setattr(2) attributes (config.md "Linux mount options"), sources and destinations resolved.
 */
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { CgroupLayout } from '../cgroups/detect.js';
import { MountKind, MOUNT_OPT_FILE, MOUNT_OPT_IDMAP, MOUNT_OPT_IDMAP_RECURSIVE, MOUNT_OPT_SOURCE_IN_ROOT, MOUNT_OPT_SYSFS_FALLBACK, MOUNT_OPT_TMPCOPYUP, type PlannedMount, type PlannedSymlink } from './launch-plan.js';
import { MOUNT_ATTR, MS } from './linux.js';
import { type IdMapping, idMapText } from './id-maps.js';

/** One entry of config.json `mounts`, as far as Linux uses it. */
export interface MountEntry {
  destination: string;
  source?: string;
  type?: string;
  options?: string[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
}


const SECTION = 'config.md#configMounts';

/** Options that set or clear a mount(2) flag. [clear?, flag] */
const FLAG_OPTIONS: Record<string, [boolean, bigint]> = Object.setPrototypeOf({
  async: [true, MS.SYNCHRONOUS],
  atime: [true, MS.NOATIME],
  bind: [false, MS.BIND],
  defaults: [false, 0n],
  dev: [true, MS.NODEV],
  diratime: [true, MS.NODIRATIME],
  dirsync: [false, MS.DIRSYNC],
  exec: [true, MS.NOEXEC],
  iversion: [false, MS.I_VERSION],
  lazytime: [false, MS.LAZYTIME],
  loud: [true, MS.SILENT],
  mand: [false, MS.MANDLOCK],
  noatime: [false, MS.NOATIME],
  nodev: [false, MS.NODEV],
  nodiratime: [false, MS.NODIRATIME],
  noexec: [false, MS.NOEXEC],
  noiversion: [true, MS.I_VERSION],
  nolazytime: [true, MS.LAZYTIME],
  nomand: [true, MS.MANDLOCK],
  norelatime: [true, MS.RELATIME],
  nostrictatime: [true, MS.STRICTATIME],
  nosuid: [false, MS.NOSUID],
  nosymfollow: [false, MS.NOSYMFOLLOW],
  rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME],
  remount: [false, MS.REMOUNT],
  ro: [false, MS.RDONLY],
  rw: [true, MS.RDONLY],
  silent: [false, MS.SILENT],
  strictatime: [false, MS.STRICTATIME],
  suid: [true, MS.NOSUID],
  symfollow: [true, MS.NOSYMFOLLOW],
  sync: [false, MS.SYNCHRONOUS],
}, null);

/** Propagation options (mount(8)); rootfsPropagation takes the same names (src/plan/build.ts). */
export const PROPAGATION_OPTIONS: Record<string, bigint> = Object.setPrototypeOf({
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
}, null);

/** The recursive (AT_RECURSIVE) options, applied with mount_setattr(2). [clear?, attribute] */
const RECURSIVE_OPTIONS: Record<string, [boolean, bigint]> = Object.setPrototypeOf({
  rro: [false, MOUNT_ATTR.RDONLY],
  rrw: [true, MOUNT_ATTR.RDONLY],
  rnosuid: [false, MOUNT_ATTR.NOSUID],
  rsuid: [true, MOUNT_ATTR.NOSUID],
  rnodev: [false, MOUNT_ATTR.NODEV],
  rdev: [true, MOUNT_ATTR.NODEV],
  rnoexec: [false, MOUNT_ATTR.NOEXEC],
  rexec: [true, MOUNT_ATTR.NOEXEC],
  rnodiratime: [false, MOUNT_ATTR.NODIRATIME],
  rdiratime: [true, MOUNT_ATTR.NODIRATIME],
  rrelatime: [false, MOUNT_ATTR.RELATIME],
  rnorelatime: [true, MOUNT_ATTR.RELATIME],
  rnoatime: [false, MOUNT_ATTR.NOATIME],
  ratime: [true, MOUNT_ATTR.NOATIME],
  rstrictatime: [false, MOUNT_ATTR.STRICTATIME],
  rnostrictatime: [true, MOUNT_ATTR.STRICTATIME],
  rnosymfollow: [false, MOUNT_ATTR.NOSYMFOLLOW],
  rsymfollow: [true, MOUNT_ATTR.NOSYMFOLLOW],
}, null);

/** Every mount option this build understands (what `features` advertises as mountOptions). */
export function knownMountOptions(): string[] {
  return [...Object.keys(FLAG_OPTIONS), ...Object.keys(PROPAGATION_OPTIONS), ...Object.keys(RECURSIVE_OPTIONS), ...EXTENSION_OPTIONS].sort();
}

/** Options the spec lists that this build cannot honour yet; refusing beats silently ignoring. */
/**
 * Options of this runtime's own, not mount(2)'s: tmpcopyup (a tmpfs starts with what it covers, as
 * runc's), idmap and ridmap (config.md: an idmapped bind, its submounts too with ridmap).
 */
const EXTENSION_OPTIONS = new Set(['tmpcopyup', 'idmap', 'ridmap']);

export interface ParsedMountOptions {
  flags: bigint;
  propagation: bigint;
  attrSet: bigint;
  attrClr: bigint;
  /** Filesystem-specific options, comma-joined for mount(2)'s data argument. */
  data: string;
  bind: boolean;
  tmpcopyup: boolean;
  /** idmap or ridmap was given. */
  idmap: 'idmap' | 'ridmap' | undefined;
}

/**
 * Parses a mount's option strings. Unknown options are filesystem-specific and go to `data`
 * (config.md: "Runtimes SHOULD treat unknown options as filesystem-specific ones").
 */
export function parseMountOptions(options: readonly string[]): ParsedMountOptions {
  let flags = 0n;
  let propagation = 0n;
  let attrSet = 0n;
  let attrClr = 0n;
  const data: string[] = [];
  let tmpcopyup = false;
  let idmap: ParsedMountOptions['idmap'];
  options.forEach((option) => {
    const flag = FLAG_OPTIONS[option];
    const rec = RECURSIVE_OPTIONS[option];
    const prop = PROPAGATION_OPTIONS[option];
    if (flag) {
      const [clear, bit] = flag;
      flags = clear ? flags & ~bit : flags | bit;
    } else if (prop !== undefined) {
      propagation = prop;
    } else if (rec) {
      const [clear, attr] = rec;
      if (attr === MOUNT_ATTR.RELATIME || (attr & MOUNT_ATTR.ATIME) === attr) {
        // The access time is one mode, not bits: mount_setattr(2) takes a mode only with all of
        // MOUNT_ATTR__ATIME in attr_clr (EINVAL otherwise). Clearing a mode (ratime,
        // rnostrictatime, rnorelatime) returns to the kernel's default, relatime (mount(8)).
        attrClr |= MOUNT_ATTR.ATIME;
        attrSet = (attrSet & ~MOUNT_ATTR.ATIME) | (clear ? MOUNT_ATTR.RELATIME : attr);
      } else if (clear) {
        attrClr |= attr;
        attrSet &= ~attr;
      } else {
        attrSet |= attr;
        attrClr &= ~attr;
      }
    } else if (option === 'tmpcopyup') {
      tmpcopyup = true;
    } else if (option === 'idmap' || option === 'ridmap') {
      // ridmap is the wider of the two: given both, the submounts are idmapped too.
      if (idmap !== 'ridmap') idmap = option;
    } else {
      data.push(option);
    }
  });
  return { flags, propagation, attrSet, attrClr, data: data.join(','), bind: (flags & MS.BIND) !== 0n, tmpcopyup, idmap };
}

/** A container path made absolute and lexically clean (relative destinations are relative to "/"). */
export function cleanContainerPath(p: string): string {
  return path.posix.normalize(path.posix.join('/', p));
}

/** What a bind source is on the host. */
export type SourceKind = 'dir' | 'file' | 'missing';

export interface MountContext {
  bundle: string;
  /** Absolute host path of the rootfs, symlinks resolved. */
  rootfs: string;
  cgroups: CgroupLayout;
  /**
   * The container's cgroup (cgroupsPath resolved), the same path in every hierarchy; or, with none
   * of its own (rootless), the cgroups it stays in, keyed by hierarchy as /proc/self/cgroup keys
   * them (controller list, '' for v2).
   */
  containerCgroup: string | ReadonlyMap<string, string>;
  /**
   * The container has a cgroup namespace: a fresh cgroup mount shows its own cgroup as the root.
   * Without one a fresh mount would show the host's whole tree, so the container's own cgroup
   * directory of each hierarchy is bound instead (as runc does).
   */
  cgroupNamespace: boolean;
  /** Symlinks the mounts need (a co-mounted v1 hierarchy's per-controller names); filled in. */
  symlinks: PlannedSymlink[];
  /** The container gets a new user namespace but not its own network namespace (sysfs needs the fallback). */
  sysfsNeedsFallback: boolean;
  /** The maps of the container's new user namespace (an idmap without its own takes them), if it gets one. */
  userNamespaceMaps?: { uid: IdMapping[]; gid: IdMapping[] };
  /** The runtime may write any id map (CAP_SETUID/CAP_SETGID): an idmapped mount's user namespace needs it. */
  mayMapIds: boolean;
  /** linux.mountLabel as the `context="…"` option every tmpfs gets (runc's FormatMountLabel), if any. */
  mountLabelOption?: string;
  statSource(p: string): SourceKind;
  /** The target of symlink `p`; undefined when `p` is not a symlink (or does not exist). */
  readLink(p: string): string | undefined;
}

/** Where a bind source is: a host path, or a path inside the container's rootfs. */
export interface BindSource {
  path: string;
  /** `path` is inside the rootfs, as the container names it: the init resolves it there. */
  inRoot: boolean;
}

const MAX_SYMLINKS = 40;

/**
 * Resolves a bind source's host part, symlink by symlink, until it reaches the container's rootfs.
 * The host's directories are the host's to trust; once inside the rootfs, the rest of the path is
 * the image's, whose symlinks must not name a host file (an image's /data → /etc/shadow): that rest
 * is handed to the init to resolve inside the rootfs (RESOLVE_IN_ROOT), as the container would.
 */
export function locateBindSource(source: string, rootfs: string, readLink: (p: string) => string | undefined): BindSource {
  const within = (p: string) => p === rootfs || p.startsWith(`${rootfs}/`);
  const rest = source.split('/').filter(Boolean);
  let current = '/';
  let links = 0;
  for (;;) {
    // The rootfs directory itself and its ".." are the host's; what lies below it is the image's.
    if (within(current) && !(current === rootfs && rest[0] === '..')) {
      return { inRoot: true, path: `/${[path.posix.relative(rootfs, current), ...rest].filter(Boolean).join('/')}` };
    }
    const name = rest.shift();
    if (name === undefined) return { inRoot: false, path: current };
    if (name === '.') continue;
    if (name === '..') {
      current = path.posix.dirname(current);
      continue;
    }
    const next = path.posix.join(current, name);
    const target = links < MAX_SYMLINKS ? readLink(next) : undefined;
    if (target === undefined) {
      current = next;
      continue;
    }
    links++;
    rest.unshift(...target.split('/').filter(Boolean));
    if (target.startsWith('/')) current = '/';
  }
}

/** Plans every config mount, in order; one config mount may expand to several (cgroup v1). */
export function planMounts(mounts: readonly MountEntry[], ctx: MountContext): PlannedMount[] {
  const out: PlannedMount[] = [];
  mounts.forEach((m, i) => {
    const pointer = `/mounts/${i}`;
    const opts = parseMountOptions(m.options ?? []);
    const idmap = planIdmap(m, opts, pointer, ctx);
    const destination = cleanContainerPath(m.destination);
    const base = { propagation: opts.propagation, attrSet: opts.attrSet, attrClr: opts.attrClr, destination };
    if (opts.bind) {
      if (!m.source) throw new ConfigError('config.json', `${pointer}/source`, 'is required for a bind mount', SECTION);
      const source = path.resolve(ctx.bundle, m.source);
      const kind = ctx.statSource(source);
      if (kind === 'missing') throw new ConfigError('config.json', `${pointer}/source`, `bind mount source ${source} does not exist`, SECTION);
      const located = locateBindSource(source, ctx.rootfs, ctx.readLink);
      out.push({
        ...base,
        kind: MountKind.Bind,
        options: (kind === 'file' ? MOUNT_OPT_FILE : 0) | (located.inRoot ? MOUNT_OPT_SOURCE_IN_ROOT : 0) | (idmap ? MOUNT_OPT_IDMAP | (idmap.recursive ? MOUNT_OPT_IDMAP_RECURSIVE : 0) : 0),
        ...(idmap ? { idmap: { uidMap: idmap.uidMap, gidMap: idmap.gidMap, pointer } } : {}),
        flags: opts.flags,
        source: located.path,
        fstype: '',
        data: opts.data,
      });
      return;
    }
    const fstype = m.type ?? '';
    if (fstype === '') throw new ConfigError('config.json', `${pointer}/type`, 'is required unless the mount is a bind mount', SECTION);
    if (opts.tmpcopyup && fstype !== 'tmpfs') {
      const at = (m.options ?? []).indexOf('tmpcopyup');
      throw new ConfigError('config.json', `${pointer}/options/${at}`, `tmpcopyup copies what a tmpfs covers into it: not for a mount of type "${fstype}"`, 'config.md#configLinuxMountOptions');
    }
    if (fstype === 'cgroup' || fstype === 'cgroup2') {
      out.push(...planCgroupMount(destination, opts, ctx, base));
      return;
    }
    out.push({
      ...base,
      kind: MountKind.Fs,
      options: (fstype === 'sysfs' && ctx.sysfsNeedsFallback ? MOUNT_OPT_SYSFS_FALLBACK : 0) | (opts.tmpcopyup ? MOUNT_OPT_TMPCOPYUP : 0),
      flags: opts.flags,
      source: m.source ?? fstype,
      fstype,
      data: fstype === 'tmpfs' ? withMountLabel(opts.data, ctx) : opts.data,
    });
  });
  return out;
}

/**
 * A `cgroup` mount follows the host's layout, as runc shows it: cgroup2 on a unified host; on v1 or
 * hybrid a tmpfs with one mount per v1 hierarchy (the hybrid host's cgroup2 side is not shown, as
 * runc does not show it), and a symlink per controller of a co-mounted hierarchy (cpu → cpu,cpuacct).
 * Each is a fresh cgroup mount inside a cgroup namespace, else a bind of the container's own
 * cgroup directory: either way the container sees its own cgroup at the top, with its limits.
 */
function planCgroupMount(
  destination: string,
  opts: ParsedMountOptions,
  ctx: MountContext,
  base: Pick<PlannedMount, 'propagation' | 'attrSet' | 'attrClr' | 'destination'>,
): PlannedMount[] {
  const layout = ctx.cgroups;
  const flags = opts.flags | MS.NOSUID | MS.NODEV | MS.NOEXEC;
  const fs = (dest: string, fstype: string, data: string): PlannedMount => ({
    kind: MountKind.Fs,
    options: 0,
    flags,
    propagation: 0n,
    attrSet: 0n,
    attrClr: 0n,
    source: fstype,
    destination: dest,
    fstype,
    data,
  });
  const hierarchy = (dest: string, fstype: string, controllers: string, hostMountpoint: string): PlannedMount => {
    if (ctx.cgroupNamespace) return fs(dest, fstype, controllers);
    const cgroup = typeof ctx.containerCgroup === 'string' ? ctx.containerCgroup : (ctx.containerCgroup.get(controllers) ?? '/');
    return { ...fs(dest, '', ''), kind: MountKind.Bind, flags: flags | MS.BIND | MS.REC, source: path.posix.join(hostMountpoint, cgroup) };
  };
  if (layout.kind === 'v2' || layout.kind === 'none') {
    return [{ ...hierarchy(destination, 'cgroup2', '', layout.unified ?? '/sys/fs/cgroup'), ...base }];
  }
  // The tmpfs stays writable while its sub-mounts are created, as runc's does.
  const out: PlannedMount[] = [{ ...fs(destination, 'tmpfs', withMountLabel('mode=755', ctx)), flags: flags & ~MS.RDONLY }];
  for (const h of layout.v1) {
    const name = path.posix.basename(h.mountpoint);
    out.push(hierarchy(path.posix.join(destination, name), 'cgroup', h.controllers, h.mountpoint));
    if (name.includes(',')) {
      for (const controller of name.split(',')) ctx.symlinks.push({ target: name, linkpath: path.posix.join(destination, controller) });
    }
  }
  return out;
}

/**
 * The idmapping of a mount (config.md "POSIX-platform Mounts" and the idmap/ridmap options): its
 * own uidMappings and gidMappings (both or neither), else with idmap/ridmap the container's user
 * namespace maps, else an error. Bind mounts only (the kernel idmaps a mount of an existing
 * filesystem); undefined for a mount without one.
 */
function planIdmap(m: MountEntry, opts: ParsedMountOptions, pointer: string, ctx: MountContext): { uidMap: string; gidMap: string; recursive: boolean } | undefined {
  const section = 'config.md#configPOSIXMounts';
  if (!m.uidMappings !== !m.gidMappings) {
    const [given, missing] = m.uidMappings ? ['uidMappings', 'gidMappings'] : ['gidMappings', 'uidMappings'];
    throw new ConfigError('config.json', `${pointer}/${missing}`, `is required with ${given} (config.md: each MUST be specified along with the other)`, section);
  }
  if (!m.uidMappings && !opts.idmap) return undefined;
  const optionAt = opts.idmap ? `${pointer}/options/${(m.options ?? []).indexOf(opts.idmap)}` : `${pointer}/uidMappings`;
  if (!opts.bind) throw new ConfigError('config.json', optionAt, 'an idmapping applies to a bind mount (bind or rbind) of an existing filesystem', section);
  if (!ctx.mayMapIds) {
    throw new ConfigError('config.json', optionAt, "an idmapped mount needs a user namespace with the mount's maps, which only a runtime with CAP_SETUID and CAP_SETGID can make (rootless: not supported)", section);
  }
  const own = m.uidMappings && m.gidMappings ? { uid: m.uidMappings, gid: m.gidMappings } : ctx.userNamespaceMaps;
  if (!own) {
    throw new ConfigError('config.json', optionAt, `${opts.idmap} without uidMappings and gidMappings needs the container's own user namespace to take its maps from, and it has none`, 'config.md#configLinuxMountOptions');
  }
  for (const [key, list] of [['uidMappings', own.uid], ['gidMappings', own.gid]] as const) {
    if (list.length === 0) throw new ConfigError('config.json', `${pointer}/${key}`, 'must map at least one id', section);
  }
  return { uidMap: idMapText(own.uid), gidMap: idMapText(own.gid), recursive: opts.idmap === 'ridmap' };
}

/** A tmpfs's data with the mount label's context= option, where config.json gives one. */
function withMountLabel(data: string, ctx: MountContext): string {
  return ctx.mountLabelOption ? [data, ctx.mountLabelOption].filter(Boolean).join(',') : data;
}

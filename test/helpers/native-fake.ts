/**
 * A recording stand-in for the native addon (src/native.ts), so the library's lifecycle runs in
 * unit tests without root: it answers the sync protocol as a well-behaved init would, using this
 * test process as the "init" (alive, with a real start time).
 */
import type { CompiledSeccomp, SeccompProfile } from '../../src/plan/seccomp.js';
import type { CgroupManager } from '../../src/cgroups/manager.js';
import type { Resources } from '../../src/spec/generated/config.js';
import { type Stats, statsV2 } from '../../src/cgroups/stats.js';
import fs from 'node:fs';
import type { ExitStatus, NativeAddon, NetAddress, NetLink, SyncMessage } from '../../src/native.js';
import { SyncType } from '../../src/runtime/init-steps.js';

export interface FakeOptions {
  /** Messages the fake init sends after GO (default: INIT_PID then READY). */
  script?: Array<Partial<SyncMessage>>;
  /** The init pid to report (default: this process, which is alive). */
  initPid?: number;
}

export interface NativeCall {
  name: string;
  args: unknown[];
}

export class FakeNative implements NativeAddon {
  readonly calls: NativeCall[] = [];
  /** The last plan passed to spawnInit. */
  plan: Buffer | undefined;
  private inbox: SyncMessage[] = [];
  private readonly initPid: number;

  constructor(private readonly options: FakeOptions = {}) {
    this.initPid = options.initPid ?? process.pid;
  }

  private record(name: string, ...args: unknown[]): void {
    this.calls.push({ name, args });
  }

  names(): string[] {
    return this.calls.map((c) => c.name);
  }

  spawnInit(helperPath: string, plan: Buffer): { pid: number; syncFd: number } {
    this.record('spawnInit', helperPath);
    this.plan = plan;
    const script = this.options.script ?? [{ type: SyncType.INIT_PID, value: this.initPid }, { type: SyncType.READY }];
    this.inbox = script.map((m) => ({ type: 0, err: 0, step: 0, value: 0, text: '', ...m }));
    return { pid: this.initPid, syncFd: fs.openSync('/dev/null', 'r') };
  }

  syncSend(_fd: number, type: number, value: number): void {
    this.record('syncSend', type, value);
  }

  syncRecv(): SyncMessage | null {
    this.record('syncRecv');
    return this.inbox.shift() ?? null;
  }

  waitPid(pid: number, noHang: boolean): ExitStatus | null {
    this.record('waitPid', pid, noHang);
    return { pid, exitCode: 0, signal: null };
  }

  async waitPidAsync(pid: number): Promise<ExitStatus> {
    this.record('waitPidAsync', pid);
    return { pid, exitCode: 0, signal: null };
  }

  pidfdOpen(pid: number): number {
    this.record('pidfdOpen', pid);
    return fs.openSync('/dev/null', 'r');
  }

  pidfdSendSignal(_pidfd: number, signal: number): void {
    this.record('pidfdSendSignal', signal);
  }

  pidfdWait(): boolean {
    this.record('pidfdWait');
    return true;
  }

  mkfifo(path: string, mode: number): void {
    this.record('mkfifo', path, mode);
    fs.writeFileSync(path, '', { mode });
  }

  flock(): boolean {
    return true;
  }

  waitGate(fifoPath: string): { outcome: 'started' | 'exited' | 'timeout' | 'refused'; message: string } {
    this.record('waitGate', fifoPath);
    return { outcome: 'started', message: '' };
  }

  setChildSubreaper(): void {
    this.record('setChildSubreaper');
  }

  connectUnix(path: string): number {
    this.record('connectUnix', path);
    return 99;
  }

  socketPair(): [number, number] {
    this.record('socketPair');
    return [97, 98];
  }

  recvFd(fd: number): { fd: number; name: string } | null {
    this.record('recvFd', fd);
    return null;
  }

  setWinsize(fd: number, rows: number, cols: number): void {
    this.record('setWinsize', fd, rows, cols);
  }

  replaceDeviceProgram(cgroupDir: string, insns: Buffer): void {
    this.record('replaceDeviceProgram', cgroupDir, insns.length);
  }

  writeProcFile(pid: number, file: string, text: string): void {
    this.record('writeProcFile', pid, file, text);
  }

  compileSeccomp(profile: SeccompProfile): CompiledSeccomp {
    this.record('compileSeccomp', profile.rules.length);
    return { program: Buffer.alloc(8), skipped: [], archs: [] };
  }

  seccompInfo(flags: number[], archs: string[] = []): { version: string; supported: boolean[]; archs: boolean[] } {
    return { version: '2.5.4', supported: flags.map(() => true), archs: archs.map(() => true) };
  }

  pidfdGetfd(pidfd: number, fd: number): number {
    this.record('pidfdGetfd', pidfd, fd);
    return 96;
  }

  sendFd(sock: number, data: string, fd: number): void {
    this.record('sendFd', sock, data.length, fd);
  }

  unmount(path: string): void {
    this.record('unmount', path);
  }

  // linux.netDevices: no devices anywhere (test/unit/net-devices.test.ts models namespaces of its own).
  netLinks(nsSocket: number): NetLink[] {
    this.record('netLinks', nsSocket);
    return [];
  }

  netAddresses(nsSocket: number, index: number): NetAddress[] {
    this.record('netAddresses', nsSocket, index);
    return [];
  }

  netMoveLink(index: number, name: string, targetSocket: number, fromSocket?: number): void {
    if (fromSocket === undefined) this.record('netMoveLink', index, name, targetSocket);
    else this.record('netMoveLink', index, name, targetSocket, fromSocket);
  }

  netSetLinkUp(nsSocket: number, index: number): void {
    this.record('netSetLinkUp', nsSocket, index);
  }

  netAddAddress(nsSocket: number, index: number, address: NetAddress): void {
    this.record('netAddAddress', nsSocket, index, address);
  }
}

/** A cgroup manager that records what it is asked and touches nothing. */
export class FakeCgroups implements CgroupManager {
  readonly version = 2;
  readonly calls: string[] = [];
  private isFrozen = false;
  constructor(readonly path: string) {}
  create(): void {
    this.calls.push('create');
  }
  /** The resources of every apply() call, for update's tests. */
  readonly applied: Resources[] = [];
  usage: number | undefined = 1 << 20;
  apply(resources: Resources): void {
    this.calls.push('apply');
    this.applied.push(resources);
  }
  memoryUsage(): number | undefined {
    return this.usage;
  }
  addProcess(pid: number): void {
    this.calls.push(`addProcess ${pid}`);
  }
  pids(): number[] {
    return [];
  }
  freeze(): void {
    this.isFrozen = true;
  }
  thaw(): void {
    this.isFrozen = false;
  }
  frozen(): boolean {
    return this.isFrozen;
  }
  killAll(): void {
    this.calls.push('killAll');
  }
  destroy(): void {
    this.calls.push('destroy');
  }
  madeParents(): string[] {
    return [];
  }
  delegate(uid: number, files: string[]): void {
    this.calls.push(`delegate ${uid} ${files.join(' ')}`);
  }
  stats(): Stats {
    return statsV2(() => undefined, []);
  }
  oomKills(): number {
    return 0;
  }
}

/**
 * Network devices for linux.netDevices tests: veth pairs on the host (this kernel has no dummy
 * driver), removed at teardown whatever became of them.
 */
import { spawnSync } from 'node:child_process';
import type { Test } from 'tap';

/** Runs `ip args…`; its status and output. */
export function ip(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The host (this process's network namespace) has a link of that name. */
export function hostHasLink(name: string): boolean {
  return ip('link', 'show', 'dev', name).status === 0;
}

/** Names no other test run picks: `<prefix><6 random>`, at most 15 bytes. */
export function linkName(prefix: string): string {
  return `${prefix}${Math.random().toString(36).slice(2, 8)}`.slice(0, 15);
}

/**
 * A veth pair `a` (the end a test moves) and `b`, deleted at teardown: whichever end is still on the
 * host (deleting one end deletes both). Throws when it cannot be made.
 */
export function makeVeth(t: Test): { a: string; b: string } {
  const a = linkName('tsa');
  const b = linkName('tsb');
  const r = ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  if (r.status !== 0) throw new Error(`ip link add ${a} type veth peer name ${b}: ${r.stderr.trim()}`);
  t.teardown(() => {
    for (const name of [a, b]) if (hostHasLink(name)) ip('link', 'del', name);
  });
  return { a, b };
}

/**
 * Crash points: named places in create, start, exec, kill and delete where a test may have this
 * process killed (SIGKILL, as a crash or an OOM kill would), to prove that whatever is left is told
 * truthfully by `state` and removed by `delete --force` (test/integration/faults.test.ts, which
 * finds every point by scanning src/ for `crashPoint(` and the sync messages of init-steps.ts).
 *
 * Nothing arms them in the tsrunc executable: only the test entry (test/helpers/fault-cli.ts)
 * calls armCrashPoint, so a manager's environment can never make the runtime kill itself.
 */
let armed: string | undefined;

export function armCrashPoint(name: string | undefined): void {
  armed = name;
}

/** Dies here, at once and uncleanly, when a test armed this point. */
export function crashPoint(name: string): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}

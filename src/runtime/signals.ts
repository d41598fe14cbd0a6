/**
 * Signal names and numbers, accepted the way runc accepts them: `9`, `KILL`, `SIGKILL`, `kill`.
 */
import { constants } from 'node:os';
import { UsageError } from '../errors.js';

const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** Parses a signal given by number or name; throws a UsageError for anything else. */
export function parseSignal(raw: string | number): number {
  if (typeof raw === 'number' || /^\d+$/.test(raw)) {
    const n = Number(raw);
    if (Number.isInteger(n) && n > 0 && n <= SIGRTMAX) return n;
    throw new UsageError(`invalid signal number ${raw}`);
  }
  const name = `SIG${raw.toUpperCase().replace(/^SIG/, '')}`;
  const rt = /^SIGRTM(IN|AX)([+-]\d+)?$/.exec(name);
  if (rt) {
    const n = (rt[1] === 'IN' ? SIGRTMIN : SIGRTMAX) + Number(rt[2] ?? 0);
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  const n = (constants.signals as Record<string, number>)[name];
  if (n === undefined) throw new UsageError(`unknown signal ${JSON.stringify(raw)}`);
  return n;
}

/** The name of a signal number, e.g. SIGKILL, for messages. */
export function signalName(n: number): string {
  for (const [name, value] of Object.entries(constants.signals)) if (value === n) return name;
  return `signal ${n}`;
}

/** Spec builders shared by tests: runc's default shape, narrowed to what a test changes. */
import type { Spec } from '../../src/spec/generated/config.js';
import { defaultSpec } from '../../src/runtime/default-spec.js';

/** tsrunc's default spec without a terminal (not supported yet) or cgroup resources. */
export function baseSpec(overrides: (s: Spec) => void = () => {}): Spec {
  const s = defaultSpec();
  s.process!.terminal = false;
  delete s.linux!.resources;
  overrides(s);
  return s;
}

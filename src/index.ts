/**
 * tsrunc as a library: the OCI lifecycle for Node programs.
 * @packageDocumentation
 */
export { Runtime, DEFAULT_ROOT, type RuntimeOptions } from './runtime/runtime.js';
export type { ContainerState } from './runtime/container.js';
export type { CreateOptions } from './runtime/create.js';
export type { DeleteOptions } from './runtime/delete.js';
export type { KillOptions } from './runtime/kill.js';
export type { RunOptions, RunResult } from './runtime/run.js';
export type { Logger } from './runtime/logger.js';
export type { Status } from './state/status.js';
export type { Spec } from './spec/generated/config.js';
export { TsruncError, ConfigError, StateError, NotFoundError, UsageError, SyscallError, UnsupportedError } from './errors.js';
export { OCI_VERSION, TSRUNC_VERSION } from './version.js';
export { features } from './runtime/features.js';
export type { Features } from './spec/generated/features.js';
export type { ExecOptions, ExecResult } from './runtime/exec.js';
export type { UpdateOptions } from './runtime/update.js';
export type { ContainerEvent, EventsOptions } from './runtime/events.js';
export type { Stats, Uint } from './cgroups/stats.js';
export type { Resources } from './spec/generated/config.js';

/**
 * Where the library reports what is not an error: spec-mandated warnings ("MUST log a warning")
 * and --debug detail. The CLI routes them to stderr or the --log file; library users pass their own.
 */
export interface Logger {
  warn(message: string): void;
  debug(message: string): void;
}

/** Drops everything (the library default). */
export const silentLogger: Logger = { warn() {}, debug() {} };

/** The runtime-spec version tsrunc implements, reported in state and features. */
export const OCI_VERSION = '1.3.0';

/** tsrunc's own version (kept in step with package.json by test/unit/version.test.ts). */
export const TSRUNC_VERSION = '0.1.0';

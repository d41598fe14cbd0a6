// Run before node-gyp (package.json "install"): the addon links libseccomp, the library runc, crun
// and youki compile seccomp profiles with. Without its headers the C compiler's error would be the
// only message, so say what is missing and how to get it.
import { spawnSync } from 'node:child_process';

const probe = spawnSync('cc', ['-x', 'c', '-', '-lseccomp', '-o', '/dev/null'], {
  input: '#include <seccomp.h>\nint main(void) { return seccomp_api_get() == 0; }\n',
  encoding: 'utf8',
});
if (probe.error || probe.status !== 0) {
  console.error(
    [
      'tsrunc: the native addon needs libseccomp to build (its headers and library), and a C compiler.',
      '  Debian/Ubuntu: apt-get install libseccomp-dev gcc g++ make python3',
      `  (cc said: ${probe.error?.message ?? (probe.stderr.split('\n').find((l) => /error/.test(l)) ?? probe.stderr).trim()})`,
    ].join('\n'),
  );
  process.exit(1);
}

import t from 'tap';
import { parseSignal, signalName } from '../../src/runtime/signals.js';
import { formatRecord } from '../../src/cli/log.js';
import { describeErrno, formatSyscallMessage } from '../../src/errors.js';

t.test('signals by number and name, as runc takes them', async (t) => {
  for (const [raw, n] of [['9', 9], [15, 15], ['KILL', 9], ['SIGTERM', 15], ['term', 15], ['usr1', 10], ['RTMIN+2', 36], ['SIGRTMAX', 64]] as const) {
    t.equal(parseSignal(raw), n, String(raw));
  }
  for (const bad of ['0', '65', 'NOPE', 'SIG', '-1']) t.throws(() => parseSignal(bad), /signal/, bad);
  t.equal(signalName(9), 'SIGKILL');
});

t.test('log records have runc (logrus) shapes', async (t) => {
  const time = new Date('2026-01-02T03:04:05.006Z');
  t.equal(formatRecord('error', 'container not running', 'json', time), '{"level":"error","msg":"container not running","time":"2026-01-02T03:04:05.006Z"}\n');
  t.equal(formatRecord('warning', 'say "hi"', 'text', time), 'time="2026-01-02T03:04:05.006Z" level=warning msg="say \\"hi\\""\n');
});

t.test('syscall messages follow the error grammar', async (t) => {
  t.same(describeErrno(1), ['EPERM', 'Operation not permitted']);
  t.equal(formatSyscallMessage('mount', '/proc', 13), 'mount `/proc`: Permission denied (EACCES)');
  t.equal(formatSyscallMessage('mount', '`a` on `b`', 2), 'mount `a` on `b`: No such file or directory (ENOENT)');
});

// process.terminal: the pty master reaches a --console-socket receiver as runc sends it (one
// message, the pty's name as data, exactly one fd), and `run` attaches a real terminal.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { containersIn, makeBundle, rootSkipReason, stateRoot, tempDir, tsrunc, tsruncBin, uniqueId, waitFor } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

// A console-socket receiver of our own, as containerd's and conmon's are: accept one connection,
// take one message with its SCM_RIGHTS fds, report them, then read the container's output from the
// master until the container side closes.
const RECEIVER = `
import array, json, os, socket, sys
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(sys.argv[1]); server.listen(1)
print("listening", flush=True)
conn, _ = server.accept()
fds = array.array("i")
data, anc, flags, addr = conn.recvmsg(256, socket.CMSG_LEN(16 * fds.itemsize))
for level, kind, payload in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
out = b""
if len(fds) == 1:
    while True:
        try:
            chunk = os.read(fds[0], 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
print(json.dumps({"name": data.decode(), "fds": len(fds), "isatty": len(fds) == 1 and os.isatty(fds[0]), "output": out.decode(errors="replace")}), flush=True)
`;

t.test('--console-socket receives exactly one fd, the pty master, and the output comes through it', async (t) => {
  const root = stateRoot(t);
  const dir = tempDir(t);
  const socketPath = path.join(dir, 'console.sock');
  const receiver = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => receiver.kill());
  let out = '';
  receiver.stdout.on('data', (d: Buffer) => (out += d.toString()));
  t.ok(await waitFor(() => out.includes('listening')), 'receiver listening');
  const id = uniqueId('console');
  const bundle = makeBundle(t, (s) => {
    s.process!.terminal = true;
    s.process!.consoleSize = { height: 33, width: 111 };
    s.process!.args = ['sh', '-c', 'echo "tty=$(tty)"; test -t 1 && echo stdout-is-a-tty; stty size'];
  });
  const created = tsrunc(root, ['create', '--bundle', bundle, '--console-socket', socketPath, id]);
  t.equal(created.status, 0, created.stderr);
  t.equal(tsrunc(root, ['start', id]).status, 0);
  t.ok(await waitFor(() => out.includes('"fds"'), 10_000), 'receiver reported');
  const report = JSON.parse(out.trim().split('\n').pop()!) as { name: string; fds: number; isatty: boolean; output: string };
  t.equal(report.fds, 1, 'exactly one fd');
  t.match(report.name, /^\/dev\/pts\/\d+$/, 'the data is the pty name');
  t.ok(report.isatty, 'the fd is a terminal');
  t.match(report.output, /tty=\/dev\/pts\/0/, 'the process has the pty as its terminal (the container’s own devpts)');
  t.match(report.output, /stdout-is-a-tty/);
  t.match(report.output, /33 111/, 'consoleSize applied');
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});

t.test('a terminal needs a console socket, and a console socket needs a terminal', async (t) => {
  const root = stateRoot(t);
  const withTerminal = makeBundle(t, (s) => (s.process!.terminal = true));
  const r1 = tsrunc(root, ['create', '--bundle', withTerminal, uniqueId('noconsole')]);
  t.equal(r1.status, 1);
  t.match(r1.stderr, /process\.terminal needs a console socket/);
  const r2 = tsrunc(root, ['create', '--bundle', makeBundle(t), '--console-socket', '/nonexistent.sock', uniqueId('noterm')]);
  t.equal(r2.status, 1);
  t.match(r2.stderr, /--console-socket is only allowed when config\.json sets process\.terminal/);
  const r3 = tsrunc(root, ['create', '--bundle', withTerminal, '--console-socket', '/nonexistent.sock', uniqueId('badsock')]);
  t.equal(r3.status, 1);
  t.match(r3.stderr, /connect `\/nonexistent\.sock`: No such file or directory \(ENOENT\)/);
  t.same(containersIn(root), [], 'nothing left');
});

t.test('run -t under a real terminal attaches it: raw, sized, exit status passed on', { skip: spawnSync('script', ['--version']).status === 0 ? false : 'script(1) from util-linux is needed' }, async (t) => {
  const root = stateRoot(t);
  const bundle = makeBundle(t, (s) => {
    s.process!.terminal = true;
    s.process!.args = ['sh', '-c', 'tty; test -t 0 && echo stdin-is-a-tty; stty size; exit 7'];
  });
  const id = uniqueId('runtty');
  const command = `stty rows 30 cols 100; ${tsruncBin} --root ${root} run --bundle ${bundle} ${id}`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 30_000, stdio: ['pipe', 'pipe', 'pipe'] });
  t.equal(r.status, 7, `exit status of the container (${r.stderr})`);
  t.match(r.stdout, /\/dev\/pts\/0/);
  t.match(r.stdout, /stdin-is-a-tty/);
  t.match(r.stdout, /30 100/, 'the window size of our terminal');
  t.ok(await waitFor(() => !fs.existsSync(path.join(root, id))), 'deleted after the run');
});

import t from 'tap';
import { initStepError, initSteps, SyncType } from '../../src/runtime/init-steps.js';
import { readCDefine, readCEnum } from '../helpers/c-header.js';

t.test('step numbers and names agree with sync.h', async (t) => {
  const steps = readCEnum('sync.h', 'init_step');
  t.same(Object.fromEntries([...steps].map(([k, v]) => [v, k])), Object.fromEntries(Object.entries(initSteps).map(([k, v]) => [k, v.name])));
  const types = readCEnum('sync.h', 'sync_type');
  t.same(Object.fromEntries([...types].map(([k, v]) => [k.replace(/^SYNC_/, ''), v])), SyncType);
  t.equal(readCDefine('sync.h', 'SYNC_TEXT_MAX'), 512);
});

t.test('an init failure reads as operation, path, strerror and errno name', async (t) => {
  t.equal(initStepError({ type: 13, err: 1, step: 12, value: 0, text: '`proc` on `/proc`' }).message, 'mount `proc` on `/proc`: Operation not permitted (EPERM)');
  t.equal(initStepError({ type: 13, err: 2, step: 36, value: 0, text: '/nonexistent' }).message, 'chdir to cwd `/nonexistent`: No such file or directory (ENOENT)');
  t.equal(initStepError({ type: 13, err: 2, step: 37, value: 0, text: 'nosuchcmd' }).message, 'exec: "nosuchcmd": executable file not found in $PATH');
  t.equal(initStepError({ type: 13, err: 13, step: 37, value: 0, text: '/bin/x' }).message, 'exec `/bin/x`: Permission denied (EACCES)');
  t.equal(
    initStepError({ type: 13, err: 0, step: 21, value: 0, text: '`/dev/null`: is a symlink, not the character device 1:3' }).message,
    'mask path `/dev/null`: is a symlink, not the character device 1:3',
    'something found wrong (err 0) reads as the init worded it',
  );
});

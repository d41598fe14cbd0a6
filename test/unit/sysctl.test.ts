// linux.sysctl keys → /proc/sys paths: every key that could leave the container's namespaces is
// refused with its pointer, whatever its spelling (the escape of issue 9: "net/../vm/swappiness").
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import type { NamespaceType } from '../../src/plan/linux.js';
import { parseSysctlKey, planSysctl, type SysctlNamespaces } from '../../src/plan/sysctl.js';

const all: SysctlNamespaces = { has: () => true, isRuntimeOwn: () => false };
const only = (...types: NamespaceType[]): SysctlNamespaces => ({ has: (t) => types.includes(t), isRuntimeOwn: () => false });

t.test('namespaced keys in either spelling become /proc/sys paths', async (t) => {
  t.same(
    planSysctl(
      {
        'net.ipv4.ip_forward': '1',
        'net/ipv4/conf/eth0.100/forwarding': '1',
        'net/ipv6/conf/veth@if3/disable_ipv6': '1',
        'kernel.shmmax': '1000',
        'kernel/msgmax': '2000',
        'fs.mqueue.msg_max': '20',
        'kernel.domainname': 'example.org',
      },
      all,
    ),
    [
      ['net/ipv4/ip_forward', '1'],
      ['net/ipv4/conf/eth0.100/forwarding', '1'],
      ['net/ipv6/conf/veth@if3/disable_ipv6', '1'],
      ['kernel/shmmax', '1000'],
      ['kernel/msgmax', '2000'],
      ['fs/mqueue/msg_max', '20'],
      ['kernel/domainname', 'example.org'],
    ],
  );
});

t.test('the escapes of issue 9 are refused with the pointer of the key', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['net/../vm/swappiness', /^config\.json: \/linux\/sysctl\/net~1\.\.~1vm~1swappiness: is not a sysctl name: a "\.\." component is not allowed \(config-linux\.md#configLinuxSysctl\)$/],
    ['net/ipv4/../../vm/swappiness', /\/linux\/sysctl\/net~1ipv4~1\.\.~1\.\.~1vm~1swappiness: is not a sysctl name: a "\.\." component/],
    ['net/../kernel/core_pattern', /a "\.\." component/],
    ['net..vm.swappiness', /an empty component/],
    ['net/./ipv4/ip_forward', /a "\." component/],
    ['/net/ipv4/ip_forward', /an empty component/],
    ['net/ipv4/ip_forward/', /an empty component/],
    ['net//ipv4/ip_forward', /an empty component/],
    ['net.ipv4.ip forward', /component "ip forward" may only hold letters, digits, "_" and "-" \(config/],
    ['net/ipv4/conf/*/forwarding', /component "\*"/],
    ['net/ipv4/conf/a\\b/forwarding', /component "a\\\\b"/],
    ['net.ipv4.ip_forward\n', /component "ip_forward\\n"/],
    ['vm.swappiness', /is not in a kernel namespace the container can have/],
    ['kernel.core_pattern', /is not in a kernel namespace the container can have/],
    ['net', /is not in a kernel namespace/],
    ['net.ipv4/ip_forward', /is not in a kernel namespace/],
    ['kernel.hostname', /conflicts with the hostname field/],
    ['fs.mqueue', /is not in a kernel namespace/],
  ];
  for (const [key, expected] of cases) {
    const err = t.throws(() => planSysctl({ [key]: '61' }, all), key) as Error;
    t.type(err, ConfigError, key);
    t.match(err.message, expected, JSON.stringify(key));
  }
});

t.test('a key of a namespace the container does not have, or joins as the runtime’s own, is refused', async (t) => {
  t.throws(() => planSysctl({ 'net.ipv4.ip_forward': '1' }, only('ipc')), /net\.\* sysctls need a network namespace: this one would change the host/);
  t.throws(() => planSysctl({ 'kernel.shmmax': '1' }, only('network')), /IPC sysctls need an ipc namespace/);
  t.throws(() => planSysctl({ 'kernel.domainname': 'x' }, only('network')), /kernel\.domainname needs a uts namespace/);
  t.throws(
    () => planSysctl({ 'net.ipv4.ip_forward': '1' }, { has: () => true, isRuntimeOwn: (t) => t === 'network' }),
    /net\.\* sysctls are not allowed in the runtime's own network namespace \(joined by path\)/,
  );
});

// A fuzzed set: keys built from components that include ".", "..", "" and odd characters. Every
// key the plan accepts must map to a path whose every component is a plain name, and whose
// namespace is the one its first component says; nothing else may pass.
t.test('fuzzed keys: whatever passes is a plain path inside a namespace', async (t) => {
  const pieces = ['net', 'ipv4', 'conf', 'all', 'forwarding', 'kernel', 'shmmax', 'vm', 'swappiness', 'fs', 'mqueue', 'msg_max', 'core_pattern', 'eth0.100', '.', '..', '', ' ', '*', '~', 'a\\b', '%2e%2e', '\u0000', 'é'];
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < 5000; i++) {
    const parts = Array.from({ length: 1 + random(5) }, () => pieces[random(pieces.length)]!);
    const key = parts.join(random(2) ? '/' : '.');
    let planned: Array<[string, string]>;
    try {
      planned = planSysctl({ [key]: '1' }, all);
    } catch (e) {
      if (!(e instanceof ConfigError)) t.fail(`${JSON.stringify(key)}: ${String(e)}`);
      refused++;
      continue;
    }
    accepted++;
    const components = planned[0]![0].split('/');
    const plain = components.every((c) => /^[A-Za-z0-9_.@+-]+$/.test(c) && c !== '.' && c !== '..');
    const namespaced = components[0] === 'net' || components[0] === 'kernel' || (components[0] === 'fs' && components[1] === 'mqueue');
    if (!plain || !namespaced) t.fail(`accepted ${JSON.stringify(key)} as ${planned[0]![0]}`);
  }
  t.ok(accepted > 20, `some keys pass (${accepted})`);
  t.ok(refused > 1000, `most are refused (${refused})`);
});

t.test('parseSysctlKey keeps dots inside slash-form components only', async (t) => {
  t.same(parseSysctlKey('net/ipv4/conf/eth0.100/forwarding'), { components: ['net', 'ipv4', 'conf', 'eth0.100', 'forwarding'] });
  t.same(parseSysctlKey('net.ipv4.conf.eth0.forwarding'), { components: ['net', 'ipv4', 'conf', 'eth0', 'forwarding'] });
  t.match(parseSysctlKey('net.ipv4.conf.eth0@x.forwarding'), { error: /component "eth0@x"/ });
});

# Two targets: the Node addon (a thin executor, loaded only by src/native.ts) and the init helper
# that the addon executes from a sealed memfd copy in the container's namespaces.
{
  "targets": [
    {
      "target_name": "tsrunc",
      "sources": ["src/binding.cc", "src/spawn.c", "src/bpf.c", "src/procfs.c", "src/seccomp.c", "src/netlink.c"],
      "libraries": ["-lseccomp"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "cflags_c": ["-std=gnu11"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions"]
    },
    {
      "target_name": "tsrunc-init",
      "type": "executable",
      "sources": [
        "src/init/main.c",
        "src/init/plan.c",
        "src/init/sync.c",
        "src/init/namespaces.c",
        "src/init/rootfs.c",
        "src/init/process.c",
        "src/init/attributes.c",
        "src/init/copyup.c",
        "src/init/idmap.c",
        "src/init/hooks.c",
        "src/init/console.c",
        "src/init/netdev.c",
        "src/procfs.c"
      ],
      "defines": ["_GNU_SOURCE"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-std=gnu11", "-fno-strict-aliasing"],
      "ldflags": ["-Wl,-z,now", "-Wl,-z,relro"]
    }
  ]
}

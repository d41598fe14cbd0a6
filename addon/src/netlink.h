/*
 * netlink.h — the few rtnetlink requests linux.netDevices needs (config-linux.md "Network Devices"):
 * list the links of a namespace, list one link's addresses, move a link into another network
 * namespace under a new name, set a link up, add an address. src/runtime/net-devices.ts decides
 * what to ask for; this only speaks the protocol.
 *
 * `ns_sock` names the network namespace a request works in: a NETLINK_ROUTE socket created there
 * (the container's, taken from its init, see sync.h SYNC_NETNS_SOCKET), or -1 for a fresh socket
 * in the caller's own. A socket is bound to the namespace it was created in for its whole life, so
 * the runtime never has to enter the container's namespace to work in it.
 */
#ifndef TSRUNC_NETLINK_H
#define TSRUNC_NETLINK_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nl_link {
	int index;
	unsigned flags;      /* IFF_* */
	int netns_immutable; /* IFLA_NETNS_IMMUTABLE (Linux 6.15): 1 or 0; -1 where the kernel does not say */
	char name[IFNAMSIZ];
};

/* One address as RTM_GETADDR gives it and RTM_NEWADDR takes it; a length of 0 means absent. */
struct nl_addr {
	uint8_t family, prefixlen, scope;
	uint32_t flags; /* IFA_FLAGS (the u32 form of ifa_flags) */
	uint8_t address[16], local[16], broadcast[16];
	uint8_t address_len, local_len, broadcast_len;
	char label[IFNAMSIZ]; /* "" = absent */
	int has_metric, has_proto;
	uint32_t metric; /* IFA_RT_PRIORITY */
	uint8_t proto;   /* IFA_PROTO */
};

/* A failed request: what was being done, errno, and the kernel's own words (extended ack) or "". */
struct nl_error {
	const char *what;
	int err;
	char detail[256];
};

/* Every link of the namespace; *links is malloc'd (the caller frees it). 0, or -1 with *error. */
int tsrunc_nl_links(int ns_sock, struct nl_link **links, size_t *n, struct nl_error *error);

/* The addresses of link `index`, every family; *addrs is malloc'd. 0, or -1 with *error. */
int tsrunc_nl_addresses(int ns_sock, int index, struct nl_addr **addrs, size_t *n, struct nl_error *error);

/*
 * Moves link `index` of the namespace of `from_sock` into the namespace of `target_sock`, named
 * `name` there ("eth%d": the kernel picks the number), in one RTM_NEWLINK. -1 for either socket is
 * the caller's own namespace. 0, or -1 with *error.
 */
int tsrunc_nl_move_link(int from_sock, int index, const char *name, int target_sock, struct nl_error *error);

/* Sets link `index` up (IFF_UP). 0, or -1 with *error. */
int tsrunc_nl_set_up(int ns_sock, int index, struct nl_error *error);

/* Adds `addr` to link `index` (NLM_F_EXCL: an address already there is EEXIST). 0, or -1 with *error. */
int tsrunc_nl_add_address(int ns_sock, int index, const struct nl_addr *addr, struct nl_error *error);

#ifdef __cplusplus
}
#endif

#endif

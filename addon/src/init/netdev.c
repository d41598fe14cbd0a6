/*
 * netdev.c — linux.netDevices (config-linux.md "Network Devices"), the init's part.
 *
 * The runtime moves each device from its own network namespace into the container's (new, or joined
 * by path), renames it, adds its addresses back and sets it up (src/runtime/net-devices.ts). Moving
 * needs the runtime's privileges over its own namespace, which a new user namespace takes from us;
 * working inside the container's namespace needs a socket that lives there, which only a process
 * inside can make. So we make one and lend it: the runtime copies it with pidfd_getfd, does all of
 * that while we wait, and ACKs.
 * Nothing of the container runs yet, and we keep no copy of the socket afterwards.
 */
#include "init.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

void share_network_namespace(const struct plan *plan)
{
	/* The devices belong in a namespace of the container's: a new one, or one it joined (the plan
	 * refuses a path to the runtime's own); never the namespace we were started in. */
	int joined = 0;
	for (size_t i = 0; i < plan->n_joins; i++)
		if (plan->joins[i].nstype == CLONE_NEWNET)
			joined = 1;
	if (!(plan->new_ns & CLONE_NEWNET) && !joined)
		die(STEP_NETNS_SOCKET, 0, "refused: the plan makes or joins no network namespace");
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0)
		die(STEP_NETNS_SOCKET, errno, NULL);
	if (sync_send(SYNC_NETNS_SOCKET, sock) < 0 || sync_wait(SYNC_ACK) < 0)
		die(STEP_SYNC, errno, "network devices");
	close(sock);
}

/*
 * netlink.c — rtnetlink requests for linux.netDevices (see netlink.h), with no library: each is one
 * message out and its replies in, on a socket of the namespace asked for.
 */
#include "netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IFA_RT_PRIORITY
#define IFA_RT_PRIORITY 9
#endif
#ifndef IFA_PROTO
#define IFA_PROTO 11
#endif
/* Linux 6.15; older headers (and kernels) do not know it. */
#define TSRUNC_IFLA_NETNS_IMMUTABLE 67

/* A dump the kernel flags as inconsistent (NLM_F_DUMP_INTR: the table changed meanwhile) is redone. */
#define DUMP_TRIES 5
#define RECV_SIZE 65536

struct request {
	struct nlmsghdr h;
	char body[1024];
};

static uint32_t next_seq;

static int fail(struct nl_error *error, const char *what, int err)
{
	error->what = what;
	error->err = err;
	return -1;
}

/* The namespace's socket, or a fresh one of ours (*owned, closed by the caller). */
static int route_socket(int ns_sock, int *owned)
{
	*owned = -1;
	int fd = ns_sock;
	if (fd < 0 && (fd = *owned = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
		return -1;
	/* The kernel's own words for a refusal ("Device name already in use"), where it has them. */
	int on = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
	return fd;
}

static void close_owned(int owned)
{
	if (owned >= 0)
		close(owned);
}

static void request_init(struct request *req, uint16_t type, uint16_t flags, const void *header, size_t size)
{
	memset(req, 0, sizeof *req);
	req->h.nlmsg_len = NLMSG_LENGTH(size);
	req->h.nlmsg_type = type;
	req->h.nlmsg_flags = NLM_F_REQUEST | flags;
	memcpy(NLMSG_DATA(&req->h), header, size);
}

/* Appends an attribute; -1 (EMSGSIZE) when it does not fit. */
static int add_attr(struct request *req, uint16_t type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(req->h.nlmsg_len);
	if (at + RTA_SPACE(len) > sizeof *req) {
		errno = EMSGSIZE;
		return -1;
	}
	struct rtattr *rta = (struct rtattr *)((char *)req + at);
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	req->h.nlmsg_len = (uint32_t)(at + RTA_SPACE(len));
	return 0;
}

static int send_request(int fd, struct request *req)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	req->h.nlmsg_seq = ++next_seq;
	ssize_t n;
	do
		n = sendto(fd, req, req->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != req->h.nlmsg_len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* The extended ack's message (NLMSGERR_ATTR_MSG) into `detail`, if the kernel sent one. */
static void ext_ack_message(const struct nlmsghdr *h, char *detail, size_t size)
{
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t echoed = sizeof *e; /* the error and the request's header; the whole request unless capped */
	if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= NLMSG_HDRLEN)
		echoed += e->msg.nlmsg_len - NLMSG_HDRLEN;
	size_t offset = NLMSG_HDRLEN + NLMSG_ALIGN(echoed);
	if (offset >= h->nlmsg_len)
		return;
	const struct nlattr *a = (const struct nlattr *)((const char *)h + offset);
	size_t left = h->nlmsg_len - offset;
	while (left >= sizeof *a && a->nla_len >= sizeof *a && a->nla_len <= left) {
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(detail, size, "%.*s", (int)(a->nla_len - NLA_HDRLEN), (const char *)a + NLA_HDRLEN);
			return;
		}
		size_t step = NLA_ALIGN(a->nla_len);
		if (step >= left)
			break;
		left -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
}

/*
 * Reads the replies to the last request until its ACK or, for a dump, NLMSG_DONE. Each data message
 * goes to `each` (may be NULL). Returns 0, 1 when the dump was interrupted (redo it), or -1 with
 * errno (a refusal's errno from the kernel, with its message in *error).
 */
static int receive(int fd, int (*each)(const struct nlmsghdr *, void *), void *arg, struct nl_error *error)
{
	char *buf = malloc(RECV_SIZE);
	if (!buf)
		return -1;
	int interrupted = 0, result = -1;
	for (;;) {
		ssize_t n;
		do /* MSG_TRUNC: the real length, so a message too long for the buffer is an error, not garbage */
			n = recv(fd, buf, RECV_SIZE, MSG_TRUNC);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			goto out;
		if (n == 0 || n > RECV_SIZE) {
			errno = n ? EMSGSIZE : EPROTO;
			goto out;
		}
		size_t len = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != next_seq)
				continue; /* a late reply to something earlier on a shared socket */
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				interrupted = 1;
			if (h->nlmsg_type == NLMSG_DONE) {
				/* A dump that failed part way says so here: a negative errno after the header. */
				int err = 0;
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof err))
					memcpy(&err, NLMSG_DATA(h), sizeof err);
				if (err < 0) {
					errno = -err;
					goto out;
				}
				result = interrupted;
				goto out;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e)) {
					errno = EPROTO;
					goto out;
				}
				if (e->error == 0) {
					result = 0;
					goto out;
				}
				ext_ack_message(h, error->detail, sizeof error->detail);
				errno = -e->error;
				goto out;
			}
			if (each && each(h, arg) < 0)
				goto out;
		}
	}
out:;
	int err = errno;
	free(buf);
	errno = err;
	return result;
}

/* The first attribute of a message after its family header (ifinfomsg, ifaddrmsg); *left for RTA_OK. */
static struct rtattr *first_attr(const struct nlmsghdr *h, size_t header_size, int *left)
{
	*left = (int)h->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(header_size));
	return (struct rtattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(header_size));
}

struct link_list {
	struct nl_link *items;
	size_t n;
};

static int collect_link(const struct nlmsghdr *h, void *arg)
{
	struct link_list *list = arg;
	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return 0;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct nl_link link = {.index = ifi->ifi_index, .flags = ifi->ifi_flags, .netns_immutable = -1};
	int left;
	for (struct rtattr *rta = first_attr(h, sizeof *ifi, &left); RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		if (rta->rta_type == IFLA_IFNAME)
			snprintf(link.name, sizeof link.name, "%.*s", (int)RTA_PAYLOAD(rta), (const char *)RTA_DATA(rta));
		else if (rta->rta_type == TSRUNC_IFLA_NETNS_IMMUTABLE && RTA_PAYLOAD(rta) >= 1)
			link.netns_immutable = *(const uint8_t *)RTA_DATA(rta) != 0;
	}
	struct nl_link *grown = realloc(list->items, (list->n + 1) * sizeof *grown);
	if (!grown)
		return -1;
	list->items = grown;
	list->items[list->n++] = link;
	return 0;
}

int tsrunc_nl_links(int ns_sock, struct nl_link **links, size_t *n, struct nl_error *error)
{
	int owned, fd = route_socket(ns_sock, &owned);
	if (fd < 0)
		return fail(error, "socket(NETLINK_ROUTE)", errno);
	struct link_list list = {NULL, 0};
	for (int tries = 0;; tries++) {
		struct request req;
		struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
		uint32_t mask = RTEXT_FILTER_SKIP_STATS; /* only names and flags are wanted, not counters */
		request_init(&req, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof ifi);
		add_attr(&req, IFLA_EXT_MASK, &mask, sizeof mask);
		free(list.items);
		list = (struct link_list){NULL, 0};
		int r = send_request(fd, &req) < 0 ? -1 : receive(fd, collect_link, &list, error);
		if (r < 0 || (r == 1 && tries + 1 == DUMP_TRIES)) {
			int err = r < 0 ? errno : EINTR;
			free(list.items);
			close_owned(owned);
			return fail(error, "RTM_GETLINK", err);
		}
		if (r == 0)
			break;
	}
	close_owned(owned);
	*links = list.items;
	*n = list.n;
	return 0;
}

struct addr_list {
	int index;
	struct nl_addr *items;
	size_t n;
};

static uint8_t copy_addr(uint8_t *to, const struct rtattr *rta)
{
	size_t len = RTA_PAYLOAD(rta);
	if (len > 16)
		return 0;
	memcpy(to, RTA_DATA(rta), len);
	return (uint8_t)len;
}

static int collect_addr(const struct nlmsghdr *h, void *arg)
{
	struct addr_list *list = arg;
	if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return 0;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	if ((int)ifa->ifa_index != list->index)
		return 0;
	struct nl_addr a = {.family = ifa->ifa_family, .prefixlen = ifa->ifa_prefixlen, .scope = ifa->ifa_scope, .flags = ifa->ifa_flags};
	int left;
	for (struct rtattr *rta = first_attr(h, sizeof *ifa, &left); RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		switch (rta->rta_type) {
		case IFA_ADDRESS:
			a.address_len = copy_addr(a.address, rta);
			break;
		case IFA_LOCAL:
			a.local_len = copy_addr(a.local, rta);
			break;
		case IFA_BROADCAST:
			a.broadcast_len = copy_addr(a.broadcast, rta);
			break;
		case IFA_LABEL:
			snprintf(a.label, sizeof a.label, "%.*s", (int)RTA_PAYLOAD(rta), (const char *)RTA_DATA(rta));
			break;
		case IFA_FLAGS: /* the whole u32; ifa_flags holds only its low 8 bits */
			if (RTA_PAYLOAD(rta) >= 4)
				memcpy(&a.flags, RTA_DATA(rta), 4);
			break;
		case IFA_RT_PRIORITY:
			if (RTA_PAYLOAD(rta) >= 4) {
				memcpy(&a.metric, RTA_DATA(rta), 4);
				a.has_metric = 1;
			}
			break;
		case IFA_PROTO:
			if (RTA_PAYLOAD(rta) >= 1) {
				a.proto = *(const uint8_t *)RTA_DATA(rta);
				a.has_proto = 1;
			}
			break;
		}
	}
	struct nl_addr *grown = realloc(list->items, (list->n + 1) * sizeof *grown);
	if (!grown)
		return -1;
	list->items = grown;
	list->items[list->n++] = a;
	return 0;
}

int tsrunc_nl_addresses(int ns_sock, int index, struct nl_addr **addrs, size_t *n, struct nl_error *error)
{
	int owned, fd = route_socket(ns_sock, &owned);
	if (fd < 0)
		return fail(error, "socket(NETLINK_ROUTE)", errno);
	struct addr_list list = {index, NULL, 0};
	for (int tries = 0;; tries++) {
		struct request req;
		struct ifaddrmsg ifa = {.ifa_family = AF_UNSPEC};
		request_init(&req, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa);
		free(list.items);
		list = (struct addr_list){index, NULL, 0};
		int r = send_request(fd, &req) < 0 ? -1 : receive(fd, collect_addr, &list, error);
		if (r < 0 || (r == 1 && tries + 1 == DUMP_TRIES)) {
			int err = r < 0 ? errno : EINTR;
			free(list.items);
			close_owned(owned);
			return fail(error, "RTM_GETADDR", err);
		}
		if (r == 0)
			break;
	}
	close_owned(owned);
	*addrs = list.items;
	*n = list.n;
	return 0;
}

/* Sends one change request and waits for its ACK. */
static int transact(int ns_sock, struct request *req, const char *what, struct nl_error *error)
{
	int owned, fd = route_socket(ns_sock, &owned);
	if (fd < 0)
		return fail(error, "socket(NETLINK_ROUTE)", errno);
	int r = send_request(fd, req) < 0 ? -1 : receive(fd, NULL, NULL, error);
	int err = errno;
	close_owned(owned);
	return r < 0 ? fail(error, what, err) : 0;
}

int tsrunc_nl_move_link(int from_sock, int index, const char *name, int target_sock, struct nl_error *error)
{
	/* The namespace itself, from the socket that lives in it (SIOCGSKNS): no pid or path to race.
	 * Our own is our main thread's, where Node's callers run. */
	int netns = target_sock >= 0 ? ioctl(target_sock, SIOCGSKNS) : open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netns < 0)
		return fail(error, target_sock >= 0 ? "ioctl(SIOCGSKNS)" : "open /proc/self/ns/net", errno);
	struct request req;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
	uint32_t fd = (uint32_t)netns;
	request_init(&req, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
	/* Move and rename in one request: the device never shows in the container under its host
	 * name, and a template is completed by the kernel among the names there. */
	int r = -1;
	if (add_attr(&req, IFLA_NET_NS_FD, &fd, sizeof fd) < 0 || add_attr(&req, IFLA_IFNAME, name, strlen(name) + 1) < 0)
		fail(error, "RTM_NEWLINK", errno);
	else
		r = transact(from_sock, &req, "RTM_NEWLINK", error);
	close(netns);
	return r;
}

int tsrunc_nl_set_up(int ns_sock, int index, struct nl_error *error)
{
	struct request req;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	request_init(&req, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
	return transact(ns_sock, &req, "RTM_NEWLINK", error);
}

int tsrunc_nl_add_address(int ns_sock, int index, const struct nl_addr *a, struct nl_error *error)
{
	struct request req;
	struct ifaddrmsg ifa = {
		.ifa_family = a->family, .ifa_prefixlen = a->prefixlen, .ifa_flags = (uint8_t)a->flags, .ifa_scope = a->scope, .ifa_index = (uint32_t)index};
	request_init(&req, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
	if ((a->local_len && add_attr(&req, IFA_LOCAL, a->local, a->local_len) < 0) ||
	    (a->address_len && add_attr(&req, IFA_ADDRESS, a->address, a->address_len) < 0) ||
	    (a->broadcast_len && add_attr(&req, IFA_BROADCAST, a->broadcast, a->broadcast_len) < 0) ||
	    (a->label[0] && add_attr(&req, IFA_LABEL, a->label, strlen(a->label) + 1) < 0) ||
	    add_attr(&req, IFA_FLAGS, &a->flags, sizeof a->flags) < 0 ||
	    (a->has_metric && add_attr(&req, IFA_RT_PRIORITY, &a->metric, sizeof a->metric) < 0) ||
	    (a->has_proto && add_attr(&req, IFA_PROTO, &a->proto, sizeof a->proto) < 0))
		return fail(error, "RTM_NEWADDR", errno);
	return transact(ns_sock, &req, "RTM_NEWADDR", error);
}

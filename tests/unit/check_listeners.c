/*
 * check_listeners.c: bind syntax, opening TCP and Unix sockets, adopting
 * fds (fd:// and LISTEN_FDS), stale and live socket files, a port in use,
 * reload keeping fds, LISTEN_FDNAMES and the JSON form.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/util.h"
#include "listeners.h"
#include "suites.h"

#define MAXARGS	32

static char	tmpdir[PATH_MAX];

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/gwd-check-lst-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("RUNTIME_DIRECTORY", tmpdir, 1);
	setenv("STATE_DIRECTORY", tmpdir, 1);
}

static void
teardown(void)
{
	char	*cmd = xasprintf("rm -rf '%s'", tmpdir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* A configuration with these -b binds (and other options). */
static struct gw_config *
cfg_with(const char *first, ...)
{
	char			*argv[MAXARGS], *err = NULL;
	const char		*a;
	struct gw_config	*cfg;
	enum config_action	 act;
	va_list			 ap;
	int			 argc = 0;

	argv[argc++] = (char *)"gwd";
	va_start(ap, first);
	for (a = first; a != NULL && argc < MAXARGS - 1;
	    a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	ck_assert_msg(config_load(argc, argv, &cfg, &act, &err) == 0, "%s",
	    err);
	return cfg;
}

static int
count_fds(void)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*de;
	int		 n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
check_listening(int fd)
{
	int		 val = 0;
	socklen_t	 len = sizeof val;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &val, &len),
	    0);
	ck_assert_int_eq(val, 1);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert(!(fcntl(fd, F_GETFL) & O_NONBLOCK));	/* blocking, like systemd */
}

static int
unix_listen(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	gw_strlcpy(sun.sun_path, path, sizeof sun.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	return fd;
}

static int
tcp_listen_any(void)
{
	struct sockaddr_in	 sin;
	int			 fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	return fd;
}

START_TEST(test_parse_ok)
{
	struct bind_addr	 b;
	char			*err = NULL;

	ck_assert_int_eq(listeners_parse_bind("127.0.0.1:8000", &b, &err), 0);
	ck_assert_int_eq(b.kind, BIND_INET);
	ck_assert_str_eq(b.host, "127.0.0.1");
	ck_assert_str_eq(b.port, "8000");
	ck_assert_int_eq(listeners_parse_bind("[::1]:8000", &b, &err), 0);
	ck_assert_int_eq(b.kind, BIND_INET);
	ck_assert_str_eq(b.host, "::1");
	ck_assert_str_eq(b.port, "8000");
	ck_assert_int_eq(listeners_parse_bind(":8000", &b, &err), 0);
	ck_assert_str_eq(b.host, "");
	ck_assert_int_eq(listeners_parse_bind("localhost:80", &b, &err), 0);
	ck_assert_str_eq(b.host, "127.0.0.1");
	ck_assert_str_eq(b.port, "80");
	ck_assert_int_eq(listeners_parse_bind("0.0.0.0:0", &b, &err), 0);
	ck_assert_str_eq(b.port, "0");
	ck_assert_int_eq(listeners_parse_bind("[fe80::1%lo]:443", &b, &err), 0);
	ck_assert_str_eq(b.host, "fe80::1%lo");
	ck_assert_int_eq(listeners_parse_bind("unix:/run/gwd/web.sock", &b,
	    &err), 0);
	ck_assert_int_eq(b.kind, BIND_UNIX);
	ck_assert_str_eq(b.path, "/run/gwd/web.sock");
	ck_assert_int_eq(listeners_parse_bind("fd://3", &b, &err), 0);
	ck_assert_int_eq(b.kind, BIND_FD);
	ck_assert_int_eq(b.fd, 3);
	ck_assert_ptr_null(err);
}
END_TEST

START_TEST(test_parse_errors)
{
	static const struct { const char *in, *msg; } bad[] = {
		{ "", "empty address: expected HOST:PORT, [V6]:PORT, :PORT, "
		  "unix:PATH or fd://N" },
		{ "8000", "8000: expected HOST:PORT, [V6]:PORT, :PORT, "
		  "unix:PATH or fd://N" },
		{ "::1:80", "::1:80: an IPv6 address needs brackets, like "
		  "[::1]:8000" },
		{ "[::1]80", "[::1]80: expected [V6]:PORT" },
		{ "[::1", "[::1: missing ']'" },
		{ "[]:80", "[]:80: bad IPv6 address" },
		{ "[zz]:80", "[zz]:80: bad IPv6 address" },
		{ "[127.0.0.1]:80", "[127.0.0.1]:80: bad IPv6 address" },
		{ "example.com:80", "example.com:80: HOST must be a numeric "
		  "address or localhost (names are not resolved)" },
		{ "127.0.0.1:", "127.0.0.1:: expected a port number 0..65535" },
		{ "127.0.0.1:65536", "127.0.0.1:65536: expected a port number "
		  "0..65535" },
		{ "127.0.0.1:http", "127.0.0.1:http: expected a port number "
		  "0..65535" },
		{ "unix:", "unix:: empty socket path" },
		{ "fd://", "fd://: expected fd://N, N a file descriptor "
		  "number" },
		{ "fd://x", "fd://x: expected fd://N, N a file descriptor "
		  "number" },
		{ "fd://-1", "fd://-1: expected fd://N, N a file descriptor "
		  "number" },
	};
	struct bind_addr	 b;
	char			*err, longp[200];
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = NULL;
		ck_assert_msg(listeners_parse_bind(bad[i].in, &b, &err) == -1,
		    "accepted '%s'", bad[i].in);
		ck_assert_str_eq(err, bad[i].msg);
		free(err);
	}
	memcpy(longp, "unix:/", 6);
	memset(longp + 6, 'x', sizeof longp - 7);
	longp[sizeof longp - 1] = '\0';
	ck_assert_int_eq(listeners_parse_bind(longp, &b, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, ": path too long for a Unix socket "
	    "(at most 107 bytes)"));
	free(err);
}
END_TEST

START_TEST(test_open_tcp)
{
	struct gw_config	*cfg;
	struct listeners	 ls = { NULL, 0 };
	char			*err = NULL, *local, *names;
	json_t			*j;

	cfg = cfg_with("-b", "web=127.0.0.1:0", "--backlog", "16", NULL);
	ck_assert_int_eq(listeners_open(&ls, cfg, &err), 0);
	ck_assert_uint_eq(ls.n, 1);
	check_listening(ls.v[0].fd);
	ck_assert_str_eq(ls.v[0].name, "web");
	ck_assert_str_eq(ls.v[0].addr, "127.0.0.1:0");
	local = listeners_local_addr(ls.v[0].fd);
	ck_assert_ptr_nonnull(local);
	ck_assert_int_eq(strncmp(local, "127.0.0.1:", 10), 0);
	ck_assert_int_gt(atoi(local + 10), 0);
	j = listeners_to_json(&ls);
	ck_assert_uint_eq(json_array_size(j), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0),
	    "local")), local);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0),
	    "name")), "web");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(j,
	    0), "fd")), ls.v[0].fd);
	json_decref(j);
	names = listeners_fdnames(&ls);
	ck_assert_str_eq(names, "web");
	free(names);
	free(local);
	listeners_close(&ls);
	ck_assert_uint_eq(ls.n, 0);
	config_free(cfg);
}
END_TEST

START_TEST(test_open_ipv6_and_dual)
{
	struct gw_config	*cfg;
	struct listeners	 ls = { NULL, 0 };
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	char			*err = NULL, *local;
	int			 probe, c;

	/* All addresses: dual stack, reachable over IPv4. */
	cfg = cfg_with("-b", ":0", NULL);
	ck_assert_msg(listeners_open(&ls, cfg, &err) == 0, "%s", err);
	check_listening(ls.v[0].fd);
	local = listeners_local_addr(ls.v[0].fd);
	ck_assert(strncmp(local, "[::]:", 5) == 0 ||
	    strncmp(local, "0.0.0.0:", 8) == 0);
	free(local);
	memset(&sin, 0, sizeof sin);
	{
		struct sockaddr_storage	ss;
		socklen_t		sl = sizeof ss;

		ck_assert_int_eq(getsockname(ls.v[0].fd,
		    (struct sockaddr *)&ss, &sl), 0);
		sin.sin_port = ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port;
	}
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sin, len), 0);
	close(c);
	listeners_close(&ls);
	config_free(cfg);

	probe = socket(AF_INET6, SOCK_STREAM, 0);
	if (probe == -1)
		return;		/* no IPv6 here: nothing more to test */
	{
		struct sockaddr_in6	sin6;

		memset(&sin6, 0, sizeof sin6);
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr = in6addr_loopback;
		if (bind(probe, (struct sockaddr *)&sin6, sizeof sin6) == -1) {
			close(probe);
			return;	/* no ::1 */
		}
	}
	close(probe);
	cfg = cfg_with("-b", "[::1]:0", NULL);
	ck_assert_msg(listeners_open(&ls, cfg, &err) == 0, "%s", err);
	check_listening(ls.v[0].fd);
	local = listeners_local_addr(ls.v[0].fd);
	ck_assert_int_eq(strncmp(local, "[::1]:", 6), 0);
	free(local);
	listeners_close(&ls);
	config_free(cfg);
}
END_TEST

START_TEST(test_port_in_use)
{
	struct gw_config	*cfg;
	struct listeners	 ls = { NULL, 0 };
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	char			*err = NULL, *addr, *want;
	int			 busy, before;

	busy = tcp_listen_any();
	ck_assert_int_eq(getsockname(busy, (struct sockaddr *)&sin, &len), 0);
	addr = xasprintf("127.0.0.1:%u", ntohs(sin.sin_port));
	/* The first bind succeeds, the second fails: both are undone. */
	cfg = cfg_with("-b", "127.0.0.1:0", "-b", addr, NULL);
	before = count_fds();
	ck_assert_int_eq(listeners_open(&ls, cfg, &err), -1);
	want = xasprintf("cannot bind %s: Address already in use", addr);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(ls.n, 0);
	ck_assert_int_eq(count_fds(), before);
	free(want);
	free(err);
	free(addr);
	close(busy);
	listeners_close(&ls);
	config_free(cfg);
}
END_TEST

START_TEST(test_unix)
{
	struct gw_config	*cfg;
	struct listeners	 ls = { NULL, 0 };
	struct stat		 st;
	char			*err = NULL, *path, *spec, *want, *local;
	int			 live;

	path = xasprintf("%s/web.sock", tmpdir);
	spec = xasprintf("unix:%s", path);
	cfg = cfg_with("-b", spec, NULL);

	/* Fresh. */
	ck_assert_msg(listeners_open(&ls, cfg, &err) == 0, "%s", err);
	check_listening(ls.v[0].fd);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	local = listeners_local_addr(ls.v[0].fd);
	ck_assert_str_eq(local, spec);
	free(local);

	/* Live: refused, and the live socket's file is left alone. */
	{
		struct listeners	ls2 = { NULL, 0 };

		ck_assert_int_eq(listeners_open(&ls2, cfg, &err), -1);
		want = xasprintf("cannot bind %s: Address already in use (a "
		    "live socket is listening there)", spec);
		ck_assert_str_eq(err, want);
		free(want);
		free(err);
		ck_assert_int_eq(stat(path, &st), 0);
	}
	/* Closing unlinks the file we made. */
	listeners_close(&ls);
	ck_assert_int_eq(stat(path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);

	/* Stale: a socket file nobody listens on is replaced. */
	live = unix_listen(path);
	close(live);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_msg(listeners_open(&ls, cfg, &err) == 0, "%s", err);
	check_listening(ls.v[0].fd);
	listeners_close(&ls);

	/* Someone else's live socket. */
	live = unix_listen(path);
	ck_assert_int_eq(listeners_open(&ls, cfg, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "a live socket is listening"));
	free(err);
	close(live);
	unlink(path);

	/* A regular file is never replaced. */
	close(open(path, O_CREAT | O_WRONLY, 0600));
	ck_assert_int_eq(listeners_open(&ls, cfg, &err), -1);
	want = xasprintf("cannot bind %s: File exists and is not a socket",
	    spec);
	ck_assert_str_eq(err, want);
	free(want);
	free(err);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	unlink(path);

	/* A missing directory. */
	free(spec);
	spec = xasprintf("unix:%s/nodir/x.sock", tmpdir);
	config_free(cfg);
	cfg = cfg_with("-b", spec, NULL);
	ck_assert_int_eq(listeners_open(&ls, cfg, &err), -1);
	want = xasprintf("cannot bind %s: No such file or directory", spec);
	ck_assert_str_eq(err, want);
	free(want);
	free(err);

	config_free(cfg);
	free(spec);
	free(path);
}
END_TEST

START_TEST(test_unix_not_ours_not_unlinked)
{
	struct gw_config	*cfg;
	struct listeners	 ls = { NULL, 0 };
	struct stat		 st;
	char			*err = NULL, *path, *spec;
	int			 other;

	path = xasprintf("%s/x.sock", tmpdir);
	spec = xasprintf("unix:%s", path);
	cfg = cfg_with("-b", spec, NULL);
	ck_assert_int_eq(listeners_open(&ls, cfg, &err), 0);
	/* Someone replaced the file: it is theirs now. */
	unlink(path);
	other = unix_listen(path);
	listeners_close(&ls);
	ck_assert_int_eq(stat(path, &st), 0);
	close(other);
	config_free(cfg);
	free(spec);
	free(path);
}
END_TEST

START_TEST(test_fd_adopt)
{
	struct gw_config	*cfg;
	struct listeners	 ls = { NULL, 0 };
	char			*err = NULL, *spec, *want;
	int			 fd, plain;

	fd = tcp_listen_any();
	spec = xasprintf("fd://%d", fd);
	cfg = cfg_with("-b", spec, NULL);
	ck_assert_msg(listeners_open(&ls, cfg, &err) == 0, "%s", err);
	ck_assert_int_eq(ls.v[0].fd, fd);
	ck_assert(ls.v[0].flags & LISTENER_ADOPTED);
	check_listening(fd);
	/* Reload keeps it; a new fd:// at reload is refused. */
	ck_assert_int_eq(listeners_update(&ls, cfg, &err), 0);
	ck_assert_int_eq(ls.v[0].fd, fd);
	listeners_close(&ls);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	config_free(cfg);
	free(spec);

	/* Not listening. */
	plain = socket(AF_INET, SOCK_STREAM, 0);
	spec = xasprintf("fd://%d", plain);
	cfg = cfg_with("-b", spec, NULL);
	ck_assert_int_eq(listeners_open(&ls, cfg, &err), -1);
	want = xasprintf("cannot adopt %s: not a listening stream socket",
	    spec);
	ck_assert_str_eq(err, want);
	free(want);
	free(err);
	/* Still open: it was never ours. */
	ck_assert_int_ne(fcntl(plain, F_GETFD), -1);
	close(plain);
	config_free(cfg);

	/* Closed. */
	cfg = cfg_with("-b", spec, NULL);
	ck_assert_int_eq(listeners_open(&ls, cfg, &err), -1);
	want = xasprintf("cannot adopt %s: Bad file descriptor", spec);
	ck_assert_str_eq(err, want);
	free(want);
	free(err);
	config_free(cfg);
	free(spec);

	/* A new fd:// on reload. */
	fd = tcp_listen_any();
	spec = xasprintf("fd://%d", fd);
	cfg = cfg_with("-b", spec, NULL);
	ck_assert_int_eq(listeners_update(&ls, cfg, &err), -1);
	want = xasprintf("cannot adopt %s: fd:// binds can only be adopted at "
	    "start-up", spec);
	ck_assert_str_eq(err, want);
	free(want);
	free(err);
	close(fd);
	config_free(cfg);
	free(spec);
}
END_TEST

START_TEST(test_update)
{
	struct gw_config	*c1, *c2, *c3;
	struct listeners	 ls = { NULL, 0 };
	struct stat		 st;
	char			*err = NULL, *s1, *s2, *p1, *p2, *bad, *names;
	int			 tcpfd, s2fd;

	p1 = xasprintf("%s/one.sock", tmpdir);
	p2 = xasprintf("%s/two.sock", tmpdir);
	s1 = xasprintf("unix:%s", p1);
	s2 = xasprintf("unix:%s", p2);
	bad = xasprintf("unix:%s/file", tmpdir);
	close(open(bad + 5, O_CREAT | O_WRONLY, 0600));
	c1 = cfg_with("-b", "web=127.0.0.1:0", "-b", s1, NULL);
	c2 = cfg_with("-b", s2, "-b", "admin=127.0.0.1:0", "--backlog", "8",
	    NULL);
	c3 = cfg_with("-b", "127.0.0.1:0", "-b", bad, NULL);

	ck_assert_int_eq(listeners_open(&ls, c1, &err), 0);
	tcpfd = ls.v[0].fd;
	names = listeners_fdnames(&ls);
	ck_assert_str_eq(names, "web:unknown");
	free(names);

	/* Kept (renamed, moved), added, removed. */
	ck_assert_msg(listeners_update(&ls, c2, &err) == 0, "%s", err);
	ck_assert_uint_eq(ls.n, 2);
	ck_assert_str_eq(ls.v[0].addr, s2);
	ck_assert_str_eq(ls.v[1].addr, "127.0.0.1:0");
	ck_assert_int_eq(ls.v[1].fd, tcpfd);
	ck_assert_str_eq(ls.v[1].name, "admin");
	check_listening(ls.v[0].fd);
	check_listening(ls.v[1].fd);
	ck_assert_int_eq(stat(p1, &st), -1);
	ck_assert_int_eq(stat(p2, &st), 0);
	names = listeners_fdnames(&ls);
	ck_assert_str_eq(names, "unknown:admin");
	free(names);
	{
		json_t	*j = listeners_to_json(&ls);

		ck_assert(json_is_null(json_object_get(json_array_get(j, 0),
		    "name")));
		ck_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(j, 0), "local")), s2);
		ck_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(j, 1), "addr")), "127.0.0.1:0");
		json_decref(j);
	}
	s2fd = ls.v[0].fd;

	/* A failing update leaves everything as it was. */
	ck_assert_int_eq(listeners_update(&ls, c3, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "File exists and is not a socket"));
	free(err);
	ck_assert_uint_eq(ls.n, 2);
	ck_assert_int_eq(ls.v[0].fd, s2fd);
	ck_assert_int_eq(ls.v[1].fd, tcpfd);
	ck_assert_str_eq(ls.v[1].name, "admin");
	check_listening(s2fd);
	check_listening(tcpfd);
	ck_assert_int_eq(stat(p2, &st), 0);

	listeners_close(&ls);
	ck_assert_int_eq(stat(p2, &st), -1);
	config_free(c1);
	config_free(c2);
	config_free(c3);
	free(s1);
	free(s2);
	free(p1);
	free(p2);
	free(bad);
}
END_TEST

/*
 * LISTEN_FDS needs fds 3, 4: done in a child so Check's own fds in this
 * process are not clobbered.  The child's exit status is the step that
 * failed (0 = all good).
 */
static int
adopt_child(void)
{
	struct listeners	 ls = { NULL, 0 };
	struct gw_config	*cfg;
	char			 pid[32], *err = NULL, *names, *argv[] = {
				    (char *)"gwd", NULL };
	enum config_action	 act;
	int			 a, b;

	/* Out of the way first: a or b may already be 3 or 4. */
	a = fcntl(tcp_listen_any(), F_DUPFD, 10);
	b = fcntl(tcp_listen_any(), F_DUPFD, 10);
	if (dup2(a, 3) != 3 || dup2(b, 4) != 4)
		return 1;
	close(a);
	close(b);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_FDNAMES", "web:admin", 1);
	if (listeners_adopt_env(&ls, &err) != 2) {
		fprintf(stderr, "adopt: %s\n", err);
		return 2;
	}
	if (getenv("LISTEN_PID") || getenv("LISTEN_FDS") ||
	    getenv("LISTEN_FDNAMES"))
		return 3;
	if (ls.n != 2 || ls.v[0].fd != 3 || ls.v[1].fd != 4 ||
	    !(ls.v[0].flags & LISTENER_ACTIVATED) ||
	    !(fcntl(3, F_GETFD) & FD_CLOEXEC))
		return 4;
	names = listeners_fdnames(&ls);
	if (strcmp(names, "web:admin") != 0)
		return 5;
	free(names);
	/* The default bind gives way to activated sockets... */
	if (config_load(1, argv, &cfg, &act, &err) != 0 ||
	    listeners_open(&ls, cfg, &err) != 0 || ls.n != 2 ||
	    listeners_update(&ls, cfg, &err) != 0 || ls.n != 2)
		return 6;
	config_free(cfg);
	/* ...an explicit one is added after them, and reload keeps them. */
	{
		char *argv2[] = { (char *)"gwd", (char *)"-b",
		    (char *)"127.0.0.1:0", NULL };

		if (config_load(3, argv2, &cfg, &act, &err) != 0 ||
		    listeners_open(&ls, cfg, &err) != 0 || ls.n != 3 ||
		    listeners_update(&ls, cfg, &err) != 0 || ls.n != 3 ||
		    ls.v[0].fd != 3 || ls.v[1].fd != 4)
			return 7;
		config_free(cfg);
	}
	listeners_close(&ls);

	/* Not for us: ignored, but removed. */
	setenv("LISTEN_PID", "1", 1);
	setenv("LISTEN_FDS", "2", 1);
	if (listeners_adopt_env(&ls, &err) != 0 || ls.n != 0 ||
	    getenv("LISTEN_FDS") != NULL)
		return 8;

	/* fd 3 is not a listening socket. */
	a = socket(AF_INET, SOCK_STREAM, 0);
	if (dup2(a, 3) != 3)
		return 9;
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	if (listeners_adopt_env(&ls, &err) != -1 || ls.n != 0 ||
	    strcmp(err, "LISTEN_FDS: cannot adopt fd://3: not a listening "
	    "stream socket") != 0)
		return 10;
	free(err);
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "x", 1);
	if (listeners_adopt_env(&ls, &err) != -1)
		return 11;
	free(err);
	return 0;
}

START_TEST(test_adopt_env)
{
	pid_t	pid;
	int	status;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(adopt_child());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == 0, "step %d failed",
	    WEXITSTATUS(status));
}
END_TEST

/* One socket twice in LISTEN_FDS, from the store and from a socket unit. */
static int
adopt_dup_child(void)
{
	struct listeners	 ls = { NULL, 0 };
	char			 pid[32], *err = NULL;
	int			 a;

	a = fcntl(tcp_listen_any(), F_DUPFD, 10);
	if (dup2(a, 3) != 3 || dup2(a, 4) != 4)
		return 1;
	close(a);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_FDNAMES", "gwd-127.0.0.1_1:web", 1);
	if (listeners_adopt_env(&ls, &err) != 1)
		return 2;
	if (ls.n != 1 || ls.v[0].fd != 3 || ls.v[0].name == NULL ||
	    strcmp(ls.v[0].name, "web") != 0)
		return 3;
	if (fcntl(4, F_GETFD) != -1)
		return 4;
	listeners_close(&ls);
	return 0;
}

START_TEST(test_adopt_env_dup)
{
	pid_t	pid;
	int	status;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(adopt_dup_child());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == 0, "step %d failed",
	    WEXITSTATUS(status));
}
END_TEST

/* The fd store names: prefixed, no ':', printable, at most 255 bytes. */
START_TEST(test_store_name)
{
	static const struct {
		const char	*name, *addr, *want;
	} c[] = {
		{ "web", "127.0.0.1:8000", "gwd-web" },
		{ NULL, "127.0.0.1:8000", "gwd-127.0.0.1_8000" },
		{ NULL, "[::1]:80", "gwd-[__1]_80" },
		{ NULL, ":8000", "gwd-_8000" },
		{ NULL, "unix:/run/a b.sock", "gwd-unix_/run/a_b.sock" },
	};
	char	 longname[300], *s;
	size_t	 i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		s = listeners_store_name(c[i].name, c[i].addr);
		ck_assert_str_eq(s, c[i].want);
		ck_assert(listeners_is_store_name(s));
		free(s);
	}
	/* A NAME= too long with the prefix: the address names it. */
	memset(longname, 'x', 253);
	longname[253] = '\0';
	s = listeners_store_name(longname, "127.0.0.1:80");
	ck_assert_str_eq(s, "gwd-127.0.0.1_80");
	free(s);
	longname[251] = '\0';
	s = listeners_store_name(longname, "127.0.0.1:80");
	ck_assert_uint_eq(strlen(s), 255);
	free(s);
	ck_assert(!listeners_is_store_name("web"));
	ck_assert(!listeners_is_store_name("gwd.socket"));
	ck_assert(!listeners_is_store_name(NULL));
}
END_TEST

/* Which inherited socket (local address, FDNAME) a bind takes back. */
START_TEST(test_store_match)
{
	static const struct {
		const char	*bind, *name, *local, *fdname;
		int		 want;
	} c[] = {
		{ "127.0.0.1:8000", NULL, "127.0.0.1:8000", NULL, 1 },
		{ "127.0.0.1:8000", NULL, "127.0.0.1:8001", NULL, 0 },
		{ "127.0.0.1:8000", NULL, "127.0.0.2:8000", NULL, 0 },
		{ "localhost:8000", NULL, "127.0.0.1:8000", "web", 1 },
		{ ":8000", NULL, "[::]:8000", NULL, 1 },
		{ ":8000", NULL, "0.0.0.0:8000", NULL, 1 },
		{ ":8000", NULL, "127.0.0.1:8000", NULL, 0 },
		{ "[::1]:80", NULL, "[::1]:80", NULL, 1 },
		{ "[0:0::1]:80", NULL, "[::1]:80", NULL, 1 },
		{ "[::1]:80", NULL, "127.0.0.1:80", NULL, 0 },
		{ "unix:/a/s", NULL, "unix:/a/s", NULL, 1 },
		{ "unix:/a/s", NULL, "unix:/a/t", NULL, 0 },
		{ "unix:/a/s", NULL, "127.0.0.1:80", NULL, 0 },
		/* Port 0 is any port: only our own name tells. */
		{ "127.0.0.1:0", NULL, "127.0.0.1:41000", "gwd-127.0.0.1_0",
		    1 },
		{ "127.0.0.1:0", "web", "127.0.0.1:41000", "gwd-web", 1 },
		{ "127.0.0.1:0", NULL, "127.0.0.1:41000", "web", 0 },
		{ "127.0.0.1:0", NULL, "127.0.0.1:41000", NULL, 0 },
		{ "127.0.0.1:0", NULL, "127.0.0.2:41000", "gwd-127.0.0.1_0",
		    0 },
		{ "fd://3", NULL, "127.0.0.1:80", NULL, 0 },
		{ "127.0.0.1:80", NULL, NULL, NULL, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++)
		ck_assert_msg(listeners_match(c[i].bind, c[i].name, c[i].local,
		    c[i].fdname) == c[i].want, "case %zu: %s ~ %s", i,
		    c[i].bind, c[i].local != NULL ? c[i].local : "NULL");
}
END_TEST

/*
 * listeners_open() with inherited sockets: the one at a bind's address is
 * taken in its place, in --bind order and as ours again; a foreign one
 * (socket unit) that no bind wants stays in front; a stored one that no
 * bind wants is closed.
 */
START_TEST(test_open_takes_back)
{
	struct gw_config	*cfg;
	struct listeners	 ls = { NULL, 0 };
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	char			*local, *err = NULL, *spec, *sname;
	int			 stored, stale, unit, c;

	stored = tcp_listen_any();
	stale = tcp_listen_any();
	ck_assert_int_eq(getsockname(stale, (struct sockaddr *)&ss, &sslen), 0);
	unit = tcp_listen_any();
	local = listeners_local_addr(stored);
	ck_assert_ptr_nonnull(local);
	sname = listeners_store_name(NULL, local);
	ck_assert_int_eq(listeners_add_fd(&ls, "gwd-127.0.0.1_1", "fd://a",
	    stale, LISTENER_ACTIVATED | LISTENER_ADOPTED, &err), 0);
	ck_assert_int_eq(listeners_add_fd(&ls, "unit", "fd://b", unit,
	    LISTENER_ACTIVATED | LISTENER_ADOPTED, &err), 0);
	ck_assert_int_eq(listeners_add_fd(&ls, sname, "fd://c", stored,
	    LISTENER_ACTIVATED | LISTENER_ADOPTED, &err), 0);
	spec = xasprintf("api=%s", local);
	cfg = cfg_with("-b", "127.0.0.1:0", "-b", spec, NULL);
	ck_assert_msg(listeners_open(&ls, cfg, &err) == 0, "%s", err);
	ck_assert_uint_eq(ls.n, 3);
	/* The socket unit's, as socket activation always had it. */
	ck_assert_int_eq(ls.v[0].fd, unit);
	ck_assert_str_eq(ls.v[0].name, "unit");
	ck_assert(ls.v[0].flags & LISTENER_ACTIVATED);
	/* --bind order: the new bind, then the stored socket in its place. */
	ck_assert_str_eq(ls.v[1].addr, "127.0.0.1:0");
	ck_assert_ptr_null(ls.v[1].stored);
	ck_assert_int_eq(ls.v[2].fd, stored);
	ck_assert_str_eq(ls.v[2].addr, local);
	ck_assert_str_eq(ls.v[2].name, "api");
	ck_assert_str_eq(ls.v[2].stored, sname);
	ck_assert_uint_eq(ls.v[2].flags, 0);
	/* The stale one is closed (its fd number may be reused). */
	c = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&ss, sslen), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	close(c);
	listeners_close(&ls);
	ck_assert_int_eq(fcntl(stored, F_GETFD), -1);
	config_free(cfg);
	free(spec);
	free(sname);
	free(local);
}
END_TEST

/* A bind that fails leaves the sockets taken back in the set, open. */
START_TEST(test_open_takes_back_fail)
{
	struct gw_config	*cfg;
	struct listeners	 ls = { NULL, 0 };
	char			*local, *blocked, *err = NULL, *sname;
	int			 stored, busy;

	stored = tcp_listen_any();
	busy = tcp_listen_any();
	local = listeners_local_addr(stored);
	blocked = listeners_local_addr(busy);
	sname = listeners_store_name(NULL, local);
	ck_assert_int_eq(listeners_add_fd(&ls, sname, "fd://c", stored,
	    LISTENER_ACTIVATED | LISTENER_ADOPTED, &err), 0);
	cfg = cfg_with("-b", local, "-b", blocked, NULL);
	ck_assert_int_eq(listeners_open(&ls, cfg, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "Address already in use"));
	free(err);
	ck_assert_uint_eq(ls.n, 1);
	ck_assert_int_eq(ls.v[0].fd, stored);
	ck_assert_int_ne(fcntl(stored, F_GETFD), -1);
	listeners_close(&ls);
	ck_assert_int_eq(fcntl(stored, F_GETFD), -1);
	close(busy);
	config_free(cfg);
	free(sname);
	free(blocked);
	free(local);
}
END_TEST

Suite *
make_suite_listeners(void)
{
	Suite	*s = suite_create("listeners");
	TCase	*tc = tcase_create("listeners");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse_ok);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_open_tcp);
	tcase_add_test(tc, test_open_ipv6_and_dual);
	tcase_add_test(tc, test_port_in_use);
	tcase_add_test(tc, test_unix);
	tcase_add_test(tc, test_unix_not_ours_not_unlinked);
	tcase_add_test(tc, test_fd_adopt);
	tcase_add_test(tc, test_update);
	tcase_add_test(tc, test_adopt_env);
	tcase_add_test(tc, test_adopt_env_dup);
	tcase_add_test(tc, test_store_name);
	tcase_add_test(tc, test_store_match);
	tcase_add_test(tc, test_open_takes_back);
	tcase_add_test(tc, test_open_takes_back_fail);
	suite_add_tcase(s, tc);
	return s;
}

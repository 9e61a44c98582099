/*
 * check_http_path.c: gwd-http's path resolver (the textual check and the
 * confined open), the static-file decision and the MIME table.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/mime.h"
#include "http/path.h"
#include "http/static.h"
#include "suites.h"

static int
resolve(const char *p, char *out, int *dir)
{
	return http_path_resolve(p, strlen(p), out, PATH_MAX, dir);
}

START_TEST(test_resolve_ok)
{
	static const struct { const char *in, *out; int dir; } ok[] = {
		{ "/", "", 1 },
		{ "/index.html", "index.html", 0 },
		{ "/a/b/c.txt", "a/b/c.txt", 0 },
		{ "//a///b//", "a/b", 1 },
		{ "/a/", "a", 1 },
		{ "/a%20b.txt", "a b.txt", 0 },
		{ "/%41%62c", "Abc", 0 },
		{ "/a.b/c..d", "a.b/c..d", 0 },		/* dots inside names */
		{ "/%e2%82%ac", "\xe2\x82\xac", 0 },
	};
	char	out[PATH_MAX];
	size_t	i;
	int	dir;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ck_assert_msg(resolve(ok[i].in, out, &dir) == 0, "%s", ok[i].in);
		ck_assert_str_eq(out, ok[i].out);
		ck_assert_int_eq(dir, ok[i].dir);
	}
}
END_TEST

START_TEST(test_resolve_traversal)
{
	static const char *bad[] = {
		"/..", "/../etc/passwd", "/a/../../etc/passwd", "/a/..",
		"/./a", "/a/./b", "/.",
		"/%2e%2e/etc/passwd", "/%2E%2E/x", "/%2e./x", "/.%2e/x",
		"/a/%2e%2e", "/%2e",
		"/a%2fb", "/%2F..%2Fetc", "/..%2f..%2fetc%2fpasswd",
		"/a%00b", "/.git/config", "/.htpasswd", "/a/.env",
	};
	char	out[PATH_MAX];
	size_t	i;
	int	dir;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(resolve(bad[i], out, &dir) == -404, "%s", bad[i]);
}
END_TEST

START_TEST(test_resolve_malformed)
{
	static const char *bad[] = { "", "a", "/%", "/%4", "/%zz", "/%g0",
	    "/a%2" };
	char	out[PATH_MAX];
	size_t	i;
	int	dir;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(resolve(bad[i], out, &dir) == -400, "%s", bad[i]);
	ck_assert_int_eq(http_path_resolve("/abcdef", 7, out, 4, &dir), -414);
}
END_TEST

/* A scratch tree: root/{index.html, a.css, sub/, link-in, link-out, ...}. */
static char	tmp[PATH_MAX], root[PATH_MAX];
static int	rootfd = -1;

static void
put(const char *rel, const char *data)
{
	char	p[PATH_MAX * 2];
	FILE	*f;

	snprintf(p, sizeof p, "%s/%s", tmp, rel);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	fputs(data, f);
	fclose(f);
}

static void
tree_setup(void)
{
	char	p[PATH_MAX * 2], q[PATH_MAX * 2];

	strcpy(tmp, "/tmp/check_http_path.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(root, sizeof root, "%s/root", tmp);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	snprintf(p, sizeof p, "%s/sub", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/empty", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	put("root/index.html", "<p>home</p>\n");
	put("root/a.css", "body{}\n");
	put("root/sub/index.html", "<p>sub</p>\n");
	put("root/sub/data.bin", "0123456789");
	put("secret.txt", "secret\n");
	snprintf(p, sizeof p, "%s/secret.txt", tmp);
	snprintf(q, sizeof q, "%s/link-out", root);
	ck_assert_int_eq(symlink(p, q), 0);		/* absolute, out */
	snprintf(q, sizeof q, "%s/rel-out", root);
	ck_assert_int_eq(symlink("../secret.txt", q), 0);
	snprintf(q, sizeof q, "%s/dir-out", root);
	ck_assert_int_eq(symlink("..", q), 0);
	snprintf(q, sizeof q, "%s/link-in", root);
	ck_assert_int_eq(symlink("sub/data.bin", q), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ne(rootfd, -1);
}

static void
tree_teardown(void)
{
	char	cmd[PATH_MAX + 32];

	close(rootfd);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_open_confined)
{
	int	fd;

	ck_assert_int_ne(fd = http_path_open(rootfd, "index.html"), -1);
	close(fd);
	ck_assert_int_ne(fd = http_path_open(rootfd, "link-in"), -1);
	close(fd);
	ck_assert_int_ne(fd = http_path_open(rootfd, ""), -1);
	close(fd);
	ck_assert_int_eq(http_path_open(rootfd, "link-out"), -1);
	ck_assert_int_eq(http_path_open(rootfd, "rel-out"), -1);
	ck_assert_int_eq(http_path_open(rootfd, "dir-out/secret.txt"), -1);
	ck_assert_int_eq(http_path_open(rootfd, "../secret.txt"), -1);
	ck_assert_int_eq(http_path_open(rootfd, "/etc/passwd"), -1);
	ck_assert_int_eq(http_path_open(rootfd, "missing"), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

static void
req_get(struct http_request *req, const char *path)
{
	memset(req, 0, sizeof *req);
	req->method = HTTP_METHOD_GET;
	req->path.p = path;
	req->path.len = strlen(path);
}

START_TEST(test_static_decisions)
{
	struct http_request	 req;
	struct static_reply	 r;
	static const struct { const char *path; int status; } cases[] = {
		{ "/", 200 }, { "/index.html", 200 }, { "/a.css", 200 },
		{ "/sub/", 200 }, { "/sub", 301 }, { "/sub/data.bin", 200 },
		{ "/link-in", 200 }, { "/empty/", 404 }, { "/missing", 404 },
		{ "/link-out", 404 }, { "/rel-out", 404 },
		{ "/dir-out/secret.txt", 404 }, { "/../secret.txt", 404 },
		{ "/%2e%2e/secret.txt", 404 }, { "/sub%2f..%2f..%2fsecret.txt",
		404 }, { "/%zz", 400 },
	};
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		req_get(&req, cases[i].path);
		static_serve(rootfd, &req, &r);
		ck_assert_msg(r.status == cases[i].status, "%s: %d",
		    cases[i].path, r.status);
		if (r.status == 200)
			ck_assert_int_ne(r.fd, -1);
		else
			ck_assert_int_eq(r.fd, -1);
		if (r.fd != -1)
			close(r.fd);
	}
	req_get(&req, "/");
	static_serve(rootfd, &req, &r);
	ck_assert_str_eq(r.type, "text/html; charset=utf-8");
	ck_assert_uint_eq(r.size, 12);
	close(r.fd);
	req.path.len = 0;
	static_serve(rootfd, &req, &r);
	ck_assert_int_eq(r.status, 400);
}
END_TEST

START_TEST(test_static_conditional_range)
{
	struct http_request	 req;
	struct static_reply	 r;
	char			 lm[HTTP_DATE_LEN + 1], old[HTTP_DATE_LEN + 1];

	req_get(&req, "/sub/data.bin");
	static_serve(rootfd, &req, &r);
	ck_assert_int_eq(r.status, 200);
	close(r.fd);
	http_format_date(lm, r.mtime);
	http_format_date(old, r.mtime - 10);

	req.if_modified_since.p = lm;
	req.if_modified_since.len = HTTP_DATE_LEN;
	static_serve(rootfd, &req, &r);
	ck_assert_int_eq(r.status, 304);
	ck_assert_int_eq(r.fd, -1);
	req.if_modified_since.p = old;
	static_serve(rootfd, &req, &r);
	ck_assert_int_eq(r.status, 200);
	close(r.fd);
	req.if_modified_since.p = NULL;

	req.range.p = "bytes=3-3";
	req.range.len = 9;
	static_serve(rootfd, &req, &r);
	ck_assert_int_eq(r.status, 206);
	ck_assert_uint_eq(r.first, 3);
	ck_assert_uint_eq(r.last, 3);
	close(r.fd);
	req.range.p = "bytes=10-";
	req.range.len = 9;
	static_serve(rootfd, &req, &r);
	ck_assert_int_eq(r.status, 416);
	ck_assert_int_eq(r.fd, -1);
	/* If-Range that does not match: the whole file */
	req.range.p = "bytes=3-3";
	req.if_range.p = old;
	req.if_range.len = HTTP_DATE_LEN;
	static_serve(rootfd, &req, &r);
	ck_assert_int_eq(r.status, 200);
	close(r.fd);
	req.if_range.p = lm;
	static_serve(rootfd, &req, &r);
	ck_assert_int_eq(r.status, 206);
	close(r.fd);
}
END_TEST

START_TEST(test_mime)
{
	ck_assert_str_eq(http_mime_type("a/index.html"),
	    "text/html; charset=utf-8");
	ck_assert_str_eq(http_mime_type("X.PNG"), "image/png");
	ck_assert_str_eq(http_mime_type("app.js"),
	    "text/javascript; charset=utf-8");
	ck_assert_str_eq(http_mime_type("noext"), "application/octet-stream");
	ck_assert_str_eq(http_mime_type("dir.d/noext"),
	    "application/octet-stream");
	ck_assert_str_eq(http_mime_type("a.unknown"),
	    "application/octet-stream");
}
END_TEST

Suite *
make_suite_http_path(void)
{
	Suite	*s = suite_create("http_path");
	TCase	*tc = tcase_create("resolve");
	TCase	*fs = tcase_create("filesystem");

	tcase_add_test(tc, test_resolve_ok);
	tcase_add_test(tc, test_resolve_traversal);
	tcase_add_test(tc, test_resolve_malformed);
	tcase_add_test(tc, test_mime);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(fs, tree_setup, tree_teardown);
	tcase_add_test(fs, test_open_confined);
	tcase_add_test(fs, test_static_decisions);
	tcase_add_test(fs, test_static_conditional_range);
	suite_add_tcase(s, fs);
	return s;
}

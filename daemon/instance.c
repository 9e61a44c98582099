/*
 * instance.c: the runtime directory and the instance lock.  See instance.h.
 * An flock lock belongs to the open file description, so it survives the
 * fork of --daemon and goes away only when the last holder closes it; the
 * lock file is unlinked while still locked, and a newcomer checks after
 * locking that the path still names the file it locked (else it would hold
 * a lock on a file nobody else can find).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/fsutil.h"
#include "gw/util.h"
#include "instance.h"

/* Tries when the lock file is removed under us by an instance leaving. */
#define LOCK_TRIES 8

static struct {
	int   fd;
	char *path;
	dev_t dev;
	ino_t ino;
} lk = { -1, NULL, 0, 0 };

/* The directories this process made (instance_dir), by dev and inode. */
#define MADE_MAX 16
static struct {
	char *path;
	dev_t dev;
	ino_t ino;
} made[MADE_MAX];
static size_t nmade;

/* gw_mkdirs made path: remember it (its mode is ours to widen). */
static void
instance_remember(const char *path, void *unused)
{
	struct stat st;

	(void)unused;
	if (nmade == MADE_MAX || stat(path, &st) == -1)
		return;
	made[nmade].path = xstrdup(path);
	made[nmade].dev = st.st_dev;
	made[nmade].ino = st.st_ino;
	nmade++;
}

static int
instance_is_made(const struct stat *st)
{
	size_t i;

	for (i = 0; i < nmade; i++)
		if (made[i].dev == st->st_dev && made[i].ino == st->st_ino)
			return 1;
	return 0;
}

void
instance_dir_share(void)
{
	struct stat st;
	size_t	    i;

	for (i = 0; i < nmade; i++)
		if (stat(made[i].path, &st) == 0 && st.st_dev == made[i].dev &&
		    st.st_ino == made[i].ino && (st.st_mode & 0011) != 0011)
			(void)chmod(made[i].path, (st.st_mode & 07777) | 0011);
}

int
instance_dir(const char *dir, mode_t mode, char **err)
{
	struct stat st;
	char	   *failed = NULL;
	int	    created;

	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			*err = xasprintf("runtime directory %s exists and is "
					 "not a directory",
			    dir);
			return -1;
		}
		return 0;
	}
	/* Each missing component, parents first, with the same mode. */
	created = gw_mkdirs(dir, mode, GW_MKDIRS_EXACT, instance_remember, NULL,
	    &failed);
	if (created == -1) {
		*err = xasprintf("cannot create runtime directory %s: %s",
		    failed, strerror(errno));
		free(failed);
		return -1;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		*err = xasprintf("runtime directory %s: %s", dir,
		    errno ? strerror(errno) : "not a directory");
		return -1;
	}
	return created > 0;
}

static void
instance_write_pid(void)
{
	char buf[32];
	int  n;

	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(lk.fd, 0) == 0)
		(void)!pwrite(lk.fd, buf, (size_t)n, 0);
}

/* The pid written in a lock file someone else holds, or 0. */
static long
instance_holder(int fd)
{
	char	buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int
instance_lock(const char *path, char **err)
{
	struct stat a, b;
	long	    pid;
	int	    fd, i;

	if (lk.fd != -1) {
		*err = xstrdup("the instance lock is already held");
		return -1;
	}
	for (i = 0; i < LOCK_TRIES; i++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0644);
		if (fd == -1) {
			*err = xasprintf("cannot open lock file %s: %s", path,
			    strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			if (errno != EWOULDBLOCK) {
				*err = xasprintf("cannot lock %s: %s", path,
				    strerror(errno));
				close(fd);
				return -1;
			}
			pid = instance_holder(fd);
			close(fd);
			if (pid > 0)
				*err = xasprintf("another gwd (pid %ld) holds "
						 "the lock %s: an instance of that name "
						 "is running",
				    pid, path);
			else
				*err = xasprintf(
				    "another gwd holds the lock "
				    "%s: an instance of that name is running",
				    path);
			return -1;
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			break;
		close(fd); /* unlinked by the instance leaving: again */
		fd = -1;
	}
	if (fd == -1) {
		*err = xasprintf("cannot lock %s: it keeps being replaced",
		    path);
		return -1;
	}
	lk.fd = fd;
	lk.path = xstrdup(path);
	lk.dev = a.st_dev;
	lk.ino = a.st_ino;
	instance_write_pid();
	return 0;
}

void
instance_lock_setpid(void)
{
	if (lk.fd != -1)
		instance_write_pid();
}

void
instance_unlock(void)
{
	if (lk.fd == -1)
		return;
	/* Unlinked while still locked: see the comment at the top. */
	(void)gw_unlink_if_same(lk.path, lk.dev, lk.ino);
	close(lk.fd);
	free(lk.path);
	lk.fd = -1;
	lk.path = NULL;
}

const char *
instance_lock_path(void)
{
	return lk.path;
}

static int
instance_in_groups(gid_t g, gid_t gid, const gid_t *groups, int ngroups)
{
	int i;

	if (g == gid)
		return 1;
	for (i = 0; i < ngroups; i++)
		if (groups[i] == g)
			return 1;
	return 0;
}

int
instance_reach(const char *path, uid_t uid, gid_t gid, const gid_t *groups,
    int ngroups, char **why)
{
	struct stat st;
	char	   *p = xstrdup(path), *s;
	mode_t	    bit;
	int	    rc = 0;

	if (uid == 0) {
		free(p);
		return 0;
	}
	/* Every directory above the last component, "/" included. */
	for (s = p; (s = strchr(s, '/')) != NULL; s++) {
		char c = s[1];

		s[1] = '\0';
		if (stat(p, &st) == -1) {
			s[1] = c;
			break; /* missing: gwd makes it */
		}
		s[1] = c;
		if (!S_ISDIR(st.st_mode) || instance_is_made(&st))
			continue; /* bind says so; ours gwd widens */
		if (st.st_uid == uid)
			bit = S_IXUSR;
		else if (instance_in_groups(st.st_gid, gid, groups, ngroups))
			bit = S_IXGRP;
		else
			bit = S_IXOTH;
		if ((st.st_mode & bit) == 0) {
			*s = '\0';
			*why = xasprintf("%s (mode %04o, owner %lu:%lu) does "
					 "not let uid %lu gid %lu search it",
			    p[0] ? p : "/", (unsigned)(st.st_mode & 07777),
			    (unsigned long)st.st_uid, (unsigned long)st.st_gid,
			    (unsigned long)uid, (unsigned long)gid);
			rc = -1;
			break;
		}
	}
	free(p);
	return rc;
}

int
instance_lock_adopt(const char *path, int fd, char **err)
{
	struct stat a, b;

	if (lk.fd != -1) {
		*err = xstrdup("the instance lock is already held");
		return -1;
	}
	if (fd < 0 || fstat(fd, &a) == -1 || stat(path, &b) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		*err = xasprintf("the inherited lock fd %d is not %s", fd,
		    path);
		return -1;
	}
	/* Our own open file description: this succeeds at once. */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		*err = xasprintf("cannot keep the lock %s: %s", path,
		    strerror(errno));
		return -1;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	lk.fd = fd;
	lk.path = xstrdup(path);
	lk.dev = a.st_dev;
	lk.ino = a.st_ino;
	return 0;
}

int
instance_lock_fd(void)
{
	return lk.fd;
}

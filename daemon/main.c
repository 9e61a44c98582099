/*
 * main.c: parse and validate the configuration, take the instance lock,
 * bind the listeners, detach if asked (the launcher waits for the daemon's
 * word, see launcher.h), write the pid file, and hand over to the
 * supervisor.
 * Exit status: 0 after a requested shutdown, 2 for a usage or configuration
 * error (nothing started), 1 for any other failure.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/thread.h>

#include "gw/paths.h"
#include "gw/util.h"
#include "commands.h"
#include "control.h"
#include "instance.h"
#include "launcher.h"
#include "listeners.h"
#include "log.h"
#include "sdnotify.h"
#include "supervisor.h"
#include "upgrade.h"
#include "validate.h"

/* Refuse to start if the pid file names a live process. */
static int
pidfile_check(const char *path)
{
	char	buf[32];
	ssize_t n;
	long	pid;
	int	fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid > 0 && pid != (long)getpid() &&
	    (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
		fprintf(stderr,
		    "gwd: already running as pid %ld (pid file "
		    "%s)\n",
		    pid, path);
		return -1;
	}
	return 0;
}

/* Remove the pid file at exit, only if it still names us. */
static void
pidfile_remove(const char *path)
{
	char	buf[32];
	ssize_t n;
	int	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd == -1)
		return;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (strtol(buf, NULL, 10) == (long)getpid())
		(void)unlink(path);
}

static int
pidfile_write(const char *path)
{
	char *tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	char  buf[32];
	int   fd, n, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd != -1) {
		n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
		if (gw_write_all(fd, buf, (size_t)n) == 0 && close(fd) == 0 &&
		    rename(tmp, path) == 0)
			rc = 0;
		else
			unlink(tmp);
	}
	free(tmp);
	return rc;
}

/*
 * The runtime directory's mode when gwd makes it: 0700, or 0711 when
 * workers run as another user and must reach the notify socket in it.
 */
static mode_t
main_dir_mode(const struct gw_config *cfg)
{
	return cfg->user != NULL || cfg->group != NULL ? 0711 : 0700;
}

/* The listening sockets the old image kept open across exec, in order. */
static int
main_adopt_listeners(struct listeners *ls, char **err)
{
	json_t *v;
	size_t	i;

	json_array_foreach(json_object_get(upgrade_state(), "listeners"), i, v)
	{
		int	    fd = upgrade_get_fd(v, "fd");
		const char *stored = json_string_value(json_object_get(v,
		    "fdstore"));

		if (listeners_add_fd(ls,
			json_string_value(json_object_get(v, "name")),
			json_string_value(json_object_get(v, "addr")), fd,
			(unsigned)upgrade_get_fd(v, "flags"), err) == -1)
			return -1;
		(void)gw_set_cloexec(fd, 1);
		ls->v[ls->n - 1].dev = (dev_t)
		    json_integer_value(json_object_get(v, "dev"));
		ls->v[ls->n - 1].ino = (ino_t)
		    json_integer_value(json_object_get(v, "ino"));
		/* Already in systemd's fd store under this name. */
		ls->v[ls->n - 1].stored = stored != NULL ? xstrdup(stored) :
							   NULL;
	}
	return 0;
}

/* An error before the master runs: to stderr, to the log file if there
 * is one, and to the launcher when detached. */
static void
main_error(const struct gw_config *cfg, int status, const char *msg)
{
	fprintf(stderr, "gwd: %s\n", msg);
	if (cfg->log_file != NULL)
		log_error("%s", msg);
	launcher_done(status, msg);
}

int
main(int argc, char **argv)
{
	struct gw_config  *cfg;
	struct listeners   ls = { NULL, 0 };
	enum config_action action;
	char		  *err = NULL, *pidfile = NULL, *self, *lock;
	int		   rc, upgraded, checked;

	/* One malloc arena for both threads: the stats writer's own arena
	 * would hold its free memory apart from the main one's, and the
	 * writer allocates little (issue 12: the master's memory). */
	(void)mallopt(M_ARENA_MAX, 1);
	/* Checked by a master about to exec us (upgrade.h): who we are and
	 * which state we read come first, whatever the check finds. */
	if ((checked = getenv(UPGRADE_CHECK_ENV) != NULL)) {
		printf("gwd %s\nupgrade-format %d\n", GWD_VERSION,
		    UPGRADE_FORMAT);
		fflush(stdout);
	}
	upgrade_set_self(argv[0]);
	/* An in-place upgrade: the old image left its state in a memfd. */
	if ((upgraded = upgrade_take_env(&err)) == -1) {
		fprintf(stderr, "gwd: upgrade: %s\n", err);
		free(err);
		return 1;
	}
	sdnotify_init();
	if (config_load(argc, argv, &cfg, &action, &err) == -1) {
		fprintf(stderr, "gwd: %s\n", err);
		if (action != CONFIG_RUN || strstr(err, "--help") == NULL)
			fprintf(stderr,
			    "Try 'gwd --help' for more "
			    "information.\n");
		free(err);
		return 2;
	}
	switch (action) {
	case CONFIG_HELP:
		config_usage(stdout);
		config_free(cfg);
		return 0;
	case CONFIG_VERSION:
		if (!checked)
			printf("gwd %s\n", GWD_VERSION);
		config_free(cfg);
		return 0;
	case CONFIG_CHECK:
	case CONFIG_RUN:
		break;
	}
	/* The same checks for a start, --check-config and a reload. */
	self = gw_self_exe();
	rc = validate_config(cfg, self, &err);
	free(self);
	if (rc == -1) {
		fprintf(stderr, "gwd: %s\n", err);
		free(err);
		config_free(cfg);
		return 2;
	}
	if (action == CONFIG_CHECK) {
		if (checked)
			printf("config ok\n");
		else
			config_print(stdout, cfg);
		config_free(cfg);
		return 0;
	}

	if (log_open(cfg->name, cfg->log_file, cfg->log_level,
		cfg->log_format) == -1) {
		fprintf(stderr, "gwd: cannot open log file %s: %s\n",
		    cfg->log_file, strerror(errno));
		config_free(cfg);
		return 1;
	}
	/* Nothing of the instance's is created, replaced or removed before
	 * it holds its lock; the directory itself is only made if missing. */
	lock = xasprintf("%s/%s.lock", cfg->runtime_dir, cfg->name);
	if (upgraded) {
		json_t *l = json_object_get(upgrade_state(), "lock");

		rc = instance_lock_adopt(lock, upgrade_get_fd(l, "fd"), &err);
	} else if (instance_dir(cfg->runtime_dir, main_dir_mode(cfg), &err) ==
	    -1)
		rc = -1;
	else
		rc = instance_lock(lock, &err);
	if (rc == -1) {
		main_error(cfg, 1, err);
		free(err);
		free(lock);
		config_free(cfg);
		return 1;
	}
	free(lock);
	if (cfg->pid_file != NULL && pidfile_check(cfg->pid_file) == -1) {
		instance_unlock();
		config_free(cfg);
		return 1;
	}
	if (upgraded) {
		if (main_adopt_listeners(&ls, &err) == -1)
			goto fail;
	} else if (listeners_adopt_env(&ls, &err) == -1 ||
	    listeners_open(&ls, cfg, &err) == -1)
		goto fail;
	/* An upgraded master is detached already (and keeps its pid). */
	if (cfg->daemonize && !upgraded) {
		if (launcher_detach() == -1) {
			err = xasprintf("cannot detach: %s", strerror(errno));
			goto fail;
		}
		instance_lock_setpid();
	}
	/* From the pid systemd watches (NotifyAccess=main): after detach. */
	listeners_fdstore(&ls);
	if (cfg->pid_file != NULL) {
		pidfile = xstrdup(cfg->pid_file);
		if (pidfile_write(pidfile) == -1) {
			err = xasprintf("cannot write pid file %s: %s", pidfile,
			    strerror(errno));
			goto fail;
		}
	}
	evthread_use_pthreads();

	/* The control socket answers with the command table; the supervisor
	 * starts the socket but does not know the commands. */
	control_set_commands(&commands_dispatch);
	rc = supervisor_run(argc, argv, cfg, &ls);
	/* Said nothing yet: it failed before its loop. */
	launcher_done(rc != 0 ? rc : 1, log_last_error());

	listeners_close(&ls);
	if (pidfile != NULL) {
		pidfile_remove(pidfile);
		free(pidfile);
	}
	instance_unlock();
	log_close();
	libevent_global_shutdown();
	return rc;

fail: /* After the lock, before the loop: undo what was done, say why. */
	main_error(cfg, 1, err);
	free(err);
	free(pidfile);
	listeners_close(&ls);
	instance_unlock();
	config_free(cfg);
	return 1;
}

/*
 * main.c: parse and validate the configuration, bind the listeners, detach
 * if asked, write the pid file, and hand over to the supervisor.
 * Exit status: 0 after a requested shutdown, 2 for a usage or configuration
 * error (nothing started), 1 for any other failure.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/thread.h>

#include "gw/util.h"
#include "listeners.h"
#include "log.h"
#include "sdnotify.h"
#include "supervisor.h"

/* mkdir -p with mode for the last component. */
static int
make_dir(const char *path, mode_t mode)
{
	char	*p = xstrdup(path), *s;
	int	 rc = 0;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, mode) == -1 && errno != EEXIST)
		rc = -1;
	if (rc == 0)
		rc = chmod(p, mode);
	free(p);
	return rc;
}

/* Refuse to start if the pid file names a live process. */
static int
pidfile_check(const char *path)
{
	char	 buf[32];
	ssize_t	 n;
	long	 pid;
	int	 fd = open(path, O_RDONLY | O_CLOEXEC);

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
		fprintf(stderr, "gwd: already running as pid %ld (pid file "
		    "%s)\n", pid, path);
		return -1;
	}
	return 0;
}

static int
pidfile_write(const char *path)
{
	char	*tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	char	 buf[32];
	int	 fd, n, rc = -1;

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

/* Detach: the parent exits 0 once the child is on its own. */
static int
daemonize(void)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	/* The working directory stays: a relative -c path must still work
	 * on reload (use --chdir for the workers' directory). */
	return 0;
}

int
main(int argc, char **argv)
{
	struct gw_config	*cfg;
	struct listeners	 ls = { NULL, 0 };
	enum config_action	 action;
	char			*err = NULL, *pidfile = NULL;
	int			 rc;

	sdnotify_init();
	if (config_load(argc, argv, &cfg, &action, &err) == -1) {
		fprintf(stderr, "gwd: %s\n", err);
		if (action != CONFIG_RUN || strstr(err, "--help") == NULL)
			fprintf(stderr, "Try 'gwd --help' for more "
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
		printf("gwd %s\n", PACKAGE_VERSION);
		config_free(cfg);
		return 0;
	case CONFIG_CHECK:
		config_print(stdout, cfg);
		config_free(cfg);
		return 0;
	case CONFIG_RUN:
		break;
	}

	if (log_open(cfg->name, cfg->log_file, cfg->log_level,
	    cfg->log_format) == -1) {
		fprintf(stderr, "gwd: cannot open log file %s: %s\n",
		    cfg->log_file, strerror(errno));
		config_free(cfg);
		return 1;
	}
	if (cfg->pid_file != NULL && pidfile_check(cfg->pid_file) == -1) {
		config_free(cfg);
		return 1;
	}
	if (make_dir(cfg->runtime_dir, cfg->user ? 0711 : 0700) == -1) {
		log_error("cannot create runtime directory %s: %s",
		    cfg->runtime_dir, strerror(errno));
		config_free(cfg);
		return 1;
	}
	if (listeners_adopt_env(&ls, &err) == -1 ||
	    listeners_open(&ls, cfg, &err) == -1) {
		fprintf(stderr, "gwd: %s\n", err);
		if (cfg->log_file != NULL)
			log_error("%s", err);
		free(err);
		listeners_close(&ls);
		config_free(cfg);
		return 1;
	}
	if (cfg->daemonize && daemonize() == -1) {
		log_error("cannot detach: %s", strerror(errno));
		listeners_close(&ls);
		config_free(cfg);
		return 1;
	}
	if (cfg->pid_file != NULL) {
		pidfile = xstrdup(cfg->pid_file);
		if (pidfile_write(pidfile) == -1) {
			log_error("cannot write pid file %s: %s", pidfile,
			    strerror(errno));
			free(pidfile);
			listeners_close(&ls);
			config_free(cfg);
			return 1;
		}
	}
	evthread_use_pthreads();

	rc = supervisor_run(argc, argv, cfg, &ls);

	listeners_close(&ls);
	if (pidfile != NULL) {
		unlink(pidfile);
		free(pidfile);
	}
	log_close();
	libevent_global_shutdown();
	return rc;
}

/*
 * protocol.h: the control protocol shared by gwd and gwctl (SPEC section 7).
 *
 * One JSON object per line both ways.  This header owns the names: command
 * names, error codes, limits, and which commands are read-only.  Bump
 * GW_PROTOCOL_VERSION whenever a request, a result or an error changes in a
 * way an older peer would misread, and say so in gwctl(1).
 */
#ifndef GW_PROTOCOL_H
#define GW_PROTOCOL_H

#include <string.h>

#define GW_PROTOCOL_VERSION	1

/* Limits. */
#define GW_CTL_MAX_LINE		(64 * 1024) /* request bytes, without \n */
#define GW_CTL_MAX_CLIENTS	64
#define GW_CTL_IDLE_TIMEOUT_S	60

/* Commands. */
#define GW_CMD_PING		"ping"
#define GW_CMD_VERSION		"version"
#define GW_CMD_STATUS		"status"
#define GW_CMD_WORKERS		"workers"
#define GW_CMD_SCALE		"scale"
#define GW_CMD_TTIN		"ttin"
#define GW_CMD_TTOU		"ttou"
#define GW_CMD_RELOAD		"reload"
#define GW_CMD_STOP		"stop"
#define GW_CMD_KILL		"kill"
#define GW_CMD_CONFIG		"config"
#define GW_CMD_REOPEN_LOGS	"reopen_logs"
#define GW_CMD_UPGRADE		"upgrade"
#define GW_CMD_STATS		"stats"
#define GW_CMD_SUBSCRIBE	"subscribe"
#define GW_CMD_HEALTH		"health"

/* Error codes. */
#define GW_ERR_BAD_REQUEST	"bad_request"
#define GW_ERR_UNKNOWN_COMMAND	"unknown_command"
#define GW_ERR_INVALID_ARGUMENT "invalid_argument"
#define GW_ERR_FORBIDDEN	"forbidden"
#define GW_ERR_TOO_LARGE	"too_large"
#define GW_ERR_BUSY		"busy"
#define GW_ERR_NOT_FOUND	"not_found"
#define GW_ERR_CONFLICT		"conflict"
#define GW_ERR_INTERNAL		"internal"

/* What --control-read-group peers may use: the read_only flag of gwd's
 * command table (daemon/commands.c), the one list. */

#endif

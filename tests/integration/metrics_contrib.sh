#!/bin/sh
# metrics_contrib: the examples in contrib/ are valid (promtool check
# config and rules, JSON, YAML) and every metric they name is one a
# running gwd exports.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_common.inc"

PROM=$top_srcdir/contrib/prometheus/prometheus.yml
RULES=$top_srcdir/contrib/prometheus/gwd-rules.yml
DASH=$top_srcdir/contrib/grafana/gwd.json
KEDA=$top_srcdir/contrib/kubernetes/keda-scaledobject.yaml

if command -v promtool >/dev/null 2>&1; then
	promtool check config "$PROM" >"$T/pc.out" 2>&1 ||
	    fail "promtool check config: $(cat "$T/pc.out")"
	promtool check rules "$RULES" >"$T/pr.out" 2>&1 ||
	    fail "promtool check rules: $(cat "$T/pr.out")"
else
	log "promtool not installed: config and rules checks skipped"
fi
jq -e '.panels | length >= 4' "$DASH" >/dev/null || fail "dashboard JSON"
for want in 'gwd_workers{' 'gwd_worker_exits_total' 'gwd_listen_queue_depth' \
    'gwd_worker_rss_bytes'; do
	jq -r '.panels[].targets[].expr' "$DASH" | grep -qF "$want" ||
	    fail "dashboard has no panel on $want"
done
python3 -c 'import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = [d["kind"] for d in docs]
assert "ScaledObject" in kinds, kinds
so = [d for d in docs if d["kind"] == "ScaledObject"][0]
q = so["spec"]["triggers"][0]["metadata"]["query"]
assert "gwd_listen_queue_depth" in q, q' "$KEDA" ||
    fail "KEDA example"

# Every metric the examples name exists.
PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --metrics-bind "127.0.0.1:$MPORT" \
    --readiness notify --command "$TW --heartbeat 200ms"
wait_metric 'gwd_workers{state="ready"}' 2 || fail "not ready"
http_get "$PORT" >/dev/null || fail "no answer"
wait_metric gwd_requests_total 1 5 || fail "no requests_total"
names=$(cat "$RULES" "$KEDA" "$PROM" "$DASH" |
    grep -oE '\b(gwd|process)_[a-z_]+' | sort -u)
for n in $names; do
	grep -q "^# TYPE $n " "$MOUT" || fail "contrib names $n: not exported"
done
log "names checked: $(echo $names)"
log "ok"

#!/bin/sh
# k8s_manifest: contrib/kubernetes/deployment.yaml cannot drift from gwd.
# Its gwd.conf passes gwd --check-config, and against the effective
# values: gwd is the container's command (PID 1, no shell, no shared
# process namespace), liveness probes /livez and readiness /readyz on the
# container port of metrics-bind, the application port is bind's,
# drain-delay is set and covers the readiness probe's period,
# terminationGracePeriodSeconds >= drain-delay + graceful-timeout
# (+ hook-timeout when a stop or worker_timeout hook is configured: the
# stop waits for a stop hook, and a graceful-timeout kill for its
# worker_timeout hooks) + 5 s, and there is no preStop hook.  The checker
# is shown to catch each broken invariant on altered copies.
# contrib/kubernetes/networkpolicy.yaml is a NetworkPolicy for those pods
# that lets in the metrics port only from the monitoring namespace (and
# the node's probes) and the application port from anywhere.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "no python3"
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml not installed"
Y=$top_srcdir/contrib/kubernetes/deployment.yaml

cat >"$T/check.py" <<'PY'
import re, subprocess, sys, yaml

def secs(v):
    """gwd's duration text (10s, 1m30s, 250ms, 0) in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    v = v.strip()
    if re.fullmatch(r"\d+", v):
        return float(v)
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", v)
    assert parts and "".join(a + b for a, b in parts) == v, "duration %r" % v
    return sum(float(a) * units[b] for a, b in parts)

def check(path, gwd, tmp):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    cm = [d for d in docs if d["kind"] == "ConfigMap"][0]
    dep = [d for d in docs if d["kind"] == "Deployment"][0]
    svc = [d for d in docs if d["kind"] == "Service"][0]
    conf = tmp + "/gwd.conf"
    open(conf, "w").write(cm["data"]["gwd.conf"])
    r = subprocess.run([gwd, "--check-config", "-c", conf],
                       capture_output=True, text=True)
    assert r.returncode == 0, "gwd --check-config: " + r.stderr
    eff, hooks = {}, []
    for line in r.stdout.splitlines():
        m = re.match(r"^([a-z-]+) = (.*)$", line)
        if m:
            eff.setdefault(m.group(1), m.group(2).strip('"'))
            if m.group(1) == "hook":
                hooks.append(m.group(2).strip('"').split("=", 1)[0])
    pod = dep["spec"]["template"]["spec"]
    assert not pod.get("shareProcessNamespace"), \
        "shareProcessNamespace: gwd would not be PID 1"
    c = pod["containers"][0]
    cmd = c.get("command") or []
    assert cmd and cmd[0].split("/")[-1] == "gwd", \
        "the container command is not gwd in exec form: %r" % cmd
    assert "preStop" not in c.get("lifecycle", {}), \
        "a preStop hook: drain-delay does its job"
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}

    def port_of(probe):
        p = probe["httpGet"]["port"]
        return ports[p] if isinstance(p, str) else p

    mport = int(eff["metrics-bind"].rsplit(":", 1)[1])
    bport = int(eff["bind"].rsplit(":", 1)[1])
    live, ready = c["livenessProbe"], c["readinessProbe"]
    assert live["httpGet"]["path"] == "/livez", "liveness path"
    assert ready["httpGet"]["path"] == "/readyz", "readiness path"
    assert port_of(live) == mport, "liveness port is not metrics-bind's"
    assert port_of(ready) == mport, "readiness port is not metrics-bind's"
    if "startupProbe" in c:
        assert port_of(c["startupProbe"]) == mport, "startup probe port"
    assert ports["http"] == bport, "port http is not bind's"
    assert svc["spec"]["ports"][0]["targetPort"] in ("http", bport), \
        "the Service does not target the application port"
    drain = secs(eff["drain-delay"])
    grace = secs(eff["graceful-timeout"])
    period = ready.get("periodSeconds", 10) * ready.get("failureThreshold", 3)
    assert drain > 0, "no drain-delay"
    assert drain >= period, \
        "drain-delay %gs is shorter than the readiness probe's %gs" % (
            drain, period)
    # A stop hook holds gwd's exit, a worker_timeout hook a graceful-
    # timeout kill, each for up to hook-timeout.
    hook = 0
    if {"stop", "worker_timeout"} & set(hooks):
        hook = secs(eff["hook-timeout"])
    tgp = pod["terminationGracePeriodSeconds"]
    assert tgp >= drain + grace + hook + 5, \
        "terminationGracePeriodSeconds %d < drain-delay %g + " \
        "graceful-timeout %g + hook-timeout %g + 5" % (tgp, drain, grace, hook)
    return "grace %ds >= drain %gs + graceful %gs + hooks %gs + 5; " \
        "probes on :%d" % (tgp, drain, grace, hook, mport)

def check_policy(path, dep_path, gwd, tmp):
    """networkpolicy.yaml: selects the Deployment's pods, isolates them
    for ingress, opens bind's port to all and metrics-bind's port only to
    the monitoring namespace."""
    docs = [d for d in yaml.safe_load_all(open(dep_path)) if d]
    dep = [d for d in docs if d["kind"] == "Deployment"][0]
    cm = [d for d in docs if d["kind"] == "ConfigMap"][0]
    conf = tmp + "/gwd.conf"
    open(conf, "w").write(cm["data"]["gwd.conf"])
    r = subprocess.run([gwd, "--check-config", "-c", conf],
                       capture_output=True, text=True)
    assert r.returncode == 0, "gwd --check-config: " + r.stderr
    eff = dict(re.findall(r"^([a-z-]+) = (.*)$", r.stdout, re.M))
    mport = int(eff["metrics-bind"].strip('"').rsplit(":", 1)[1])
    bport = int(eff["bind"].strip('"').rsplit(":", 1)[1])
    pols = [d for d in yaml.safe_load_all(open(path)) if d]
    assert [d["kind"] for d in pols] == ["NetworkPolicy"], "not one policy"
    np = pols[0]["spec"]
    labels = dep["spec"]["template"]["metadata"]["labels"]
    sel = np["podSelector"]["matchLabels"]
    assert sel and all(labels.get(k) == v for k, v in sel.items()), \
        "podSelector %r does not select the pods %r" % (sel, labels)
    assert "Ingress" in np["policyTypes"], "not an ingress policy"
    open_ports, metrics_from = set(), None
    for rule in np["ingress"]:
        ports = {p["port"] for p in rule["ports"]}
        if "from" not in rule:
            open_ports |= ports
        elif mport in ports or "metrics" in ports:
            metrics_from = rule["from"]
    assert bport in open_ports or "http" in open_ports, \
        "the application port %d is not open" % bport
    assert mport not in open_ports and "metrics" not in open_ports, \
        "the metrics port %d is open to everyone" % mport
    assert metrics_from, "no rule for the metrics port %d" % mport
    ns = [f["namespaceSelector"]["matchLabels"] for f in metrics_from
          if "namespaceSelector" in f]
    assert {"kubernetes.io/metadata.name": "monitoring"} in ns, \
        "the metrics port is not open to the monitoring namespace"
    return "policy: :%d to all, :%d to the monitoring namespace" % (
        bport, mport)

try:
    if len(sys.argv) > 4:
        print(check_policy(sys.argv[4], sys.argv[1], sys.argv[2],
                           sys.argv[3]))
        sys.exit(0)
    print(check(sys.argv[1], sys.argv[2], sys.argv[3]))
except (AssertionError, KeyError, IndexError) as e:
    print("manifest: %s" % e)
    sys.exit(1)
PY

python3 "$T/check.py" "$Y" "$GWD" "$T" >"$T/out" 2>&1 ||
    fail "deployment.yaml: $(cat "$T/out")"
log "$(cat "$T/out")"

# The checker catches each drift (else it could not fail).
broken() {
	local what=$1
	shift
	sed "$@" "$Y" >"$T/bad.yaml"
	cmp -s "$Y" "$T/bad.yaml" && fail "alteration '$what' changed nothing"
	python3 "$T/check.py" "$T/bad.yaml" "$GWD" "$T" >"$T/out" 2>&1 &&
	    fail "checker missed: $what"
	log "caught $what: $(cat "$T/out")"
}
broken "short grace" -e 's/terminationGracePeriodSeconds: 45/terminationGracePeriodSeconds: 35/'
broken "longer drain" -e 's/drain-delay = 10s/drain-delay = 20s/'
broken "no drain" -e '/drain-delay = /d'
broken "probe on the app port" -e '/path: \/readyz/{n;s/port: metrics/port: http/}'
broken "liveness path" -e 's|path: /livez|path: /|'
broken "metrics port moved" -e 's/metrics-bind = :9180/metrics-bind = :9181/'
broken "shell wrapper" -e 's|command: \["gwd", |command: ["sh", "-c", |'
broken "bad config" -e 's/workers = 4/workers = many/'
# A worker_timeout hook holds a graceful-timeout kill for up to
# hook-timeout: 10 + 30 + 20 + 5 > 45.
hooked='/^    drain-delay = /a\
    hook = "worker_timeout=/bin/sh -c true"\
    hook-timeout = 20s'
broken "worker_timeout hook" -e "$hooked"
grep -q 'hook-timeout 20' "$T/out" || fail "not the budget: $(cat "$T/out")"
broken "stop hook" -e "$(echo "$hooked" | sed 's/worker_timeout=/stop=/')"
grep -q 'hook-timeout 20' "$T/out" || fail "not the budget: $(cat "$T/out")"
# ... and accepts the same with the grace that covers it, or a hook that
# holds nothing (ready).
sed -e "$hooked" -e 's/terminationGracePeriodSeconds: 45/terminationGracePeriodSeconds: 65/' \
    "$Y" >"$T/ok.yaml"
python3 "$T/check.py" "$T/ok.yaml" "$GWD" "$T" >"$T/out" 2>&1 ||
    fail "checker refused a covered hook: $(cat "$T/out")"
sed -e "$(echo "$hooked" | sed 's/worker_timeout=/ready=/')" "$Y" >"$T/ok.yaml"
python3 "$T/check.py" "$T/ok.yaml" "$GWD" "$T" >"$T/out" 2>&1 ||
    fail "checker counted a ready hook: $(cat "$T/out")"

# networkpolicy.yaml fits the manifest, and its checker catches drift.
NP=$top_srcdir/contrib/kubernetes/networkpolicy.yaml
python3 "$T/check.py" "$Y" "$GWD" "$T" "$NP" >"$T/out" 2>&1 ||
    fail "networkpolicy.yaml: $(cat "$T/out")"
log "$(cat "$T/out")"
policy_broken() {
	local what=$1
	shift
	sed "$@" "$NP" >"$T/badnp.yaml"
	cmp -s "$NP" "$T/badnp.yaml" && fail "alteration '$what' changed nothing"
	python3 "$T/check.py" "$Y" "$GWD" "$T" "$T/badnp.yaml" >"$T/out" 2>&1 &&
	    fail "policy checker missed: $what"
	log "caught $what: $(cat "$T/out")"
}
policy_broken "metrics port moved" -e 's/port: 9180/port: 9181/'
policy_broken "metrics open to all" -e '/^        - port: 8000$/i\
        - port: 9180'
policy_broken "other pods" -e 's/app: myapp/app: other/'
echo PASS

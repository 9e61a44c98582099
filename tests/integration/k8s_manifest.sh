#!/bin/sh
# k8s_manifest: contrib/kubernetes/deployment.yaml cannot drift from gwd.
# Its gwd.conf passes gwd --check-config, and against the effective
# values: gwd is the container's command (PID 1, no shell, no shared
# process namespace), liveness probes /livez and readiness /readyz on the
# container port of metrics-bind, the application port is bind's,
# drain-delay is set and covers the readiness probe's period,
# terminationGracePeriodSeconds >= drain-delay + graceful-timeout + 5 s,
# and there is no preStop hook.  The checker is shown to catch each
# broken invariant on altered copies.
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
    eff = {}
    for line in r.stdout.splitlines():
        m = re.match(r"^([a-z-]+) = (.*)$", line)
        if m:
            eff.setdefault(m.group(1), m.group(2).strip('"'))
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
    tgp = pod["terminationGracePeriodSeconds"]
    assert tgp >= drain + grace + 5, \
        "terminationGracePeriodSeconds %d < drain-delay %g + " \
        "graceful-timeout %g + 5" % (tgp, drain, grace)
    return "grace %ds >= drain %gs + graceful %gs + 5; probes on :%d" % (
        tgp, drain, grace, mport)

try:
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
echo PASS

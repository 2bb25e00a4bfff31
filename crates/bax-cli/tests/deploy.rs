//! The Kubernetes deployment (deploy/, docs/deploy.md), checked offline: the Helm chart rendered
//! with `helm template` for its default values and for the serve-only, run-only (3 shards),
//! existing-Secret and both-parts variants; every rendered manifest validated against the
//! Kubernetes schemas (`kubernetes-validate --strict`); the facts that matter asserted in the
//! rendered objects (probes, the sandbox's security context, the token Secret mounted and
//! `--token-file` passed, the HPA metric, the PDB, the Indexed Job's shard arithmetic); the
//! shard, wait and merge scripts run against a fake `bax`; values the chart must refuse;
//! `helm lint`; the Containerfile's instructions and every RUN step's shell (shellcheck).
//!
//! The tools come from `scripts/deploy-tools DIR` (helm built from the Go module proxy,
//! kubernetes-validate from PyPI with its schemas, Debian's shellcheck), named by
//! `$BAX_DEPLOY_TOOLS` (scripts/test-all sets it). Nothing here needs a cluster or the network.
//! Without the tools these fail under CI and are skipped elsewhere (bax-testkit).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use bax_testkit::{require, Need};
use serde_json::Value;

/// The Kubernetes version manifests are rendered for and validated against (one that
/// kubernetes-validate ships schemas for, and the first with user namespaces and an unmasked
/// /proc on by default: the chart's default sandbox mode).
const KUBE_VERSION: &str = "1.33.0";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn chart() -> PathBuf {
    repo().join("deploy/helm/bax")
}

/// The provisioned tools, or `None` (after recording the skip) when they are missing.
struct Tools {
    helm: PathBuf,
    validate: PathBuf,
    python: PathBuf,
    shellcheck: PathBuf,
}

fn tools(test: &str) -> Option<Tools> {
    let dir = std::env::var_os("BAX_DEPLOY_TOOLS")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    let (helm, validate, python) = match &dir {
        Some(d) => (
            d.join("bin/helm"),
            d.join("venv/bin/kubernetes-validate"),
            d.join("venv/bin/python"),
        ),
        None => Default::default(),
    };
    let shellcheck = PathBuf::from("shellcheck");
    let mut needs = vec![Need::check(
        "BAX_DEPLOY_TOOLS: a folder made by scripts/deploy-tools (scripts/test-all makes one)",
        dir.is_some(),
    )];
    if dir.is_some() {
        needs.push(Need::path(&helm, "helm (scripts/deploy-tools)"));
        needs.push(Need::path(
            &validate,
            "kubernetes-validate (scripts/deploy-tools)",
        ));
    }
    needs.extend([Need::tool("shellcheck"), Need::tool("bash")]);
    require(test, &needs).then_some(Tools {
        helm,
        validate,
        python,
        shellcheck,
    })
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `helm template` with `--set`-style arguments; the rendered YAML, or the failure's output.
fn template(t: &Tools, args: &[&str]) -> Result<String, String> {
    let o = run(Command::new(&t.helm)
        .args(["template", "bax", chart().to_str().unwrap()])
        .args(["--namespace", "bax", "--kube-version", KUBE_VERSION])
        .args(args)
        .env("HELM_CACHE_HOME", scratch("helm-cache"))
        .env("HELM_CONFIG_HOME", scratch("helm-config"))
        .env("HELM_DATA_HOME", scratch("helm-data")));
    if o.status.success() {
        Ok(text(&o.stdout))
    } else {
        Err(format!("{}{}", text(&o.stdout), text(&o.stderr)))
    }
}

/// A folder of this test process under the target directory's tmp.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("deploy-{}", std::process::id()))
        .join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The rendered documents as JSON (PyYAML from the kubernetes-validate environment).
fn parse(t: &Tools, yaml: &str) -> Vec<Value> {
    let mut child = Command::new(&t.python)
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d]))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(yaml.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "YAML does not parse: {}",
        text(&o.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&o.stdout).unwrap()
}

/// `kubernetes-validate --strict` over every rendered document (custom resources, which have no
/// built-in schema, are checked by the assertions instead).
fn validate(t: &Tools, yaml: &str, label: &str) {
    let dir = scratch(&format!("validate-{label}"));
    let file = dir.join("rendered.yaml");
    std::fs::write(&file, yaml).unwrap();
    let o = run(Command::new(&t.validate).args([
        "--strict",
        "--kubernetes-version",
        KUBE_VERSION,
        file.to_str().unwrap(),
    ]));
    let out = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(
        o.status.success(),
        "kubernetes-validate --strict refused the {label} manifests:\n{out}\n--- rendered:\n{yaml}"
    );
    assert!(
        !out.to_lowercase().contains("error"),
        "kubernetes-validate reported errors for {label}:\n{out}"
    );
}

fn render(t: &Tools, label: &str, args: &[&str]) -> (String, Vec<Value>) {
    let yaml = template(t, args).unwrap_or_else(|e| panic!("helm template ({label}): {e}"));
    assert!(
        !yaml.contains("--insecure-no-auth"),
        "{label}: the chart must never pass --insecure-no-auth"
    );
    validate(t, &yaml, label);
    let docs = parse(t, &yaml);
    (yaml, docs)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn kinds(docs: &[Value]) -> BTreeSet<String> {
    docs.iter()
        .map(|d| d["kind"].as_str().unwrap().to_string())
        .collect()
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| {
            let have: Vec<String> = docs
                .iter()
                .map(|d| format!("{}/{}", d["kind"], d["metadata"]["name"]))
                .collect();
            panic!("no {kind} {name}; rendered: {have:?}")
        })
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The value following `flag` in an argument list.
fn flag<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .map(|i| args[i + 1].as_str())
}

fn env_value(container: &Value, name: &str) -> String {
    container["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no env {name} in {}", container["name"]))["value"]
        .as_str()
        .unwrap()
        .to_string()
}

fn b64(s: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = T.iter().position(|&x| x == c).expect("base64") as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// What a container that runs sandboxes must get in the chart's default (userns) mode, and the
/// pod around it: docs/deploy.md, "The security context".
fn assert_userns_sandbox(pod: &Value, c: &Value) {
    assert_eq!(pod["hostUsers"], false, "a user-namespaced pod");
    assert_eq!(pod["automountServiceAccountToken"], false);
    let sc = &c["securityContext"];
    assert_eq!(sc["privileged"], false);
    assert_eq!(
        sc["runAsUser"], 0,
        "bax runs as root in the pod to drop to the sandbox user"
    );
    assert_eq!(
        sc["procMount"], "Unmasked",
        "bubblewrap mounts a fresh /proc"
    );
    assert_eq!(sc["seccompProfile"]["type"], "Unconfined");
    assert_eq!(sc["appArmorProfile"]["type"], "Unconfined");
    assert_eq!(strs(&sc["capabilities"]["drop"]), ["ALL"]);
    let add: BTreeSet<String> = strs(&sc["capabilities"]["add"]).into_iter().collect();
    for cap in [
        "SYS_ADMIN",
        "NET_ADMIN",
        "SYS_PTRACE",
        "SETUID",
        "SETGID",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "KILL",
    ] {
        assert!(add.contains(cap), "capability {cap} missing: {add:?}");
    }
    assert!(
        !add.contains("ALL") && !add.contains("SYS_MODULE"),
        "{add:?}"
    );
}

fn assert_privileged_sandbox(pod: &Value, c: &Value) {
    assert!(
        pod.get("hostUsers").is_none(),
        "privileged mode: the node's user namespace"
    );
    let sc = &c["securityContext"];
    assert_eq!(sc["privileged"], true);
    assert_eq!(sc["runAsUser"], 0);
    assert!(sc.get("procMount").is_none());
}

/// The work folders bax's sandboxes use, on one emptyDir.
fn assert_work_volume(pod: &Value, c: &Value) {
    let mounts = c["volumeMounts"].as_array().unwrap();
    for (path, sub) in [
        ("/var/cache/bax/instances", "instances"),
        ("/var/cache/bax/builds", "builds"),
        ("/var/cache/bax/cache", "cache"),
    ] {
        assert!(
            mounts
                .iter()
                .any(|m| m["name"] == "work" && m["mountPath"] == path && m["subPath"] == sub),
            "no work mount at {path}: {mounts:?}"
        );
    }
    let vols = pod["volumes"].as_array().unwrap();
    let work = vols.iter().find(|v| v["name"] == "work").unwrap();
    assert!(work["emptyDir"]["sizeLimit"].is_string(), "{work}");
}

/// The serve Deployment's facts, for any variant; returns its bax container.
fn assert_serve(docs: &[Value], secret: &str) -> Value {
    let d = find(docs, "Deployment", "bax-serve");
    let pod = &d["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let args = strs(&c["args"]);
    assert_eq!(args[0], "serve");
    assert_eq!(flag(&args, "--host"), Some("0.0.0.0"));
    assert_eq!(flag(&args, "--port"), Some("8000"));
    assert_eq!(
        flag(&args, "--token-file"),
        Some("/etc/bax/auth/tokens"),
        "{args:?}"
    );
    let drain: u64 = flag(&args, "--drain-timeout").unwrap().parse().unwrap();
    // The token file: the Secret's key mounted read-only where --token-file points.
    let auth = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "auth")
        .unwrap();
    assert_eq!(auth["secret"]["secretName"], secret);
    assert_eq!(auth["secret"]["items"][0]["key"], "tokens");
    assert_eq!(auth["secret"]["items"][0]["path"], "tokens");
    let mount = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "auth")
        .unwrap();
    assert_eq!(mount["mountPath"], "/etc/bax/auth");
    assert_eq!(mount["readOnly"], true);
    // Liveness and readiness are told apart: /healthz (alive) and /readyz (ready, not draining).
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(c["startupProbe"]["httpGet"]["path"], "/healthz");
    for p in ["livenessProbe", "readinessProbe", "startupProbe"] {
        assert_eq!(c[p]["httpGet"]["port"], "http", "{p}");
    }
    assert_eq!(c["ports"][0]["name"], "http");
    assert_eq!(c["ports"][0]["containerPort"], 8000);
    // The grace period covers the preStop pause and the whole drain.
    let sleep: u64 = strs(&c["lifecycle"]["preStop"]["exec"]["command"])[1]
        .parse()
        .unwrap();
    let grace = pod["terminationGracePeriodSeconds"].as_u64().unwrap();
    assert!(
        grace > sleep + drain,
        "terminationGracePeriodSeconds {grace} must exceed preStop {sleep} s + --drain-timeout {drain} s"
    );
    assert!(c["resources"]["limits"]["memory"].is_string());
    assert!(c["resources"]["requests"]["cpu"].is_string());
    assert_work_volume(pod, c);
    // Rolling updates never take a pod away before its successor is ready.
    assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 0);
    // The Service reaches these pods.
    let svc = find(docs, "Service", "bax-serve");
    let labels = &d["spec"]["template"]["metadata"]["labels"];
    for (k, v) in svc["spec"]["selector"].as_object().unwrap() {
        assert_eq!(&labels[k], v, "Service selector {k}");
    }
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], "http");
    c.clone()
}

/// The token file in a Secret the chart made: `NAME TOKEN [max_in_flight=N]` lines, and each
/// token alone under `token-<name>`.
fn token_lines(secret: &Value) -> Vec<Vec<String>> {
    let file = b64(secret["data"]["tokens"].as_str().unwrap());
    let lines: Vec<Vec<String>> = file
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    for l in &lines {
        let token = &l[1];
        assert!(
            token.len() >= 16 && token.chars().all(|c| c.is_ascii_graphic() && c != '#'),
            "{token:?}"
        );
        let alone = b64(secret["data"][format!("token-{}", l[0])].as_str().unwrap());
        assert_eq!(&alone, token, "token-{} differs from the file's", l[0]);
    }
    lines
}

#[test]
fn default_values_render_a_valid_reward_fleet() {
    let Some(t) = tools("default_values_render_a_valid_reward_fleet") else {
        return;
    };
    let (_, docs) = render(&t, "default", &[]);
    assert_eq!(
        kinds(&docs),
        set(&[
            "Deployment",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "Secret",
            "Service"
        ]),
        "run.enabled is off by default"
    );
    let c = assert_serve(&docs, "bax-tokens");
    let d = find(&docs, "Deployment", "bax-serve");
    let pod = &d["spec"]["template"]["spec"];
    assert_userns_sandbox(pod, &c);
    assert!(
        d["spec"].get("replicas").is_none(),
        "the HPA owns the replica count"
    );
    // Generated tokens: one per configured name, 48 characters.
    let lines = token_lines(find(&docs, "Secret", "bax-tokens"));
    let names: Vec<&str> = lines.iter().map(|l| l[0].as_str()).collect();
    assert_eq!(names, ["trainer", "metrics"]);
    assert!(lines.iter().all(|l| l.len() == 2 && l[1].len() == 48));

    let hpa = find(&docs, "HorizontalPodAutoscaler", "bax-serve");
    assert_eq!(hpa["apiVersion"], "autoscaling/v2");
    assert_eq!(hpa["spec"]["scaleTargetRef"]["kind"], "Deployment");
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "bax-serve");
    let m = hpa["spec"]["metrics"].as_array().unwrap();
    assert_eq!(m[0]["type"], "Pods");
    assert_eq!(m[0]["pods"]["metric"]["name"], "bax_queue_depth");
    assert_eq!(m[0]["pods"]["target"]["type"], "AverageValue");
    assert_eq!(m[0]["pods"]["target"]["averageValue"], "4");
    assert_eq!(m[1]["type"], "Resource", "the CPU fallback");
    assert_eq!(m[1]["resource"]["name"], "cpu");
    assert_eq!(m[1]["resource"]["target"]["averageUtilization"], 70);
    assert!(hpa["spec"]["minReplicas"].as_u64().unwrap() >= 2);

    let pdb = find(&docs, "PodDisruptionBudget", "bax-serve");
    assert_eq!(pdb["apiVersion"], "policy/v1");
    assert_eq!(pdb["spec"]["maxUnavailable"], 1);
    let labels = &d["spec"]["template"]["metadata"]["labels"];
    for (k, v) in pdb["spec"]["selector"]["matchLabels"].as_object().unwrap() {
        assert_eq!(&labels[k], v, "PDB selector {k}");
    }
}

#[test]
fn serve_only_renders_fixed_replicas_privileged_mode_and_given_tokens() {
    let Some(t) = tools("serve_only_renders_fixed_replicas_privileged_mode_and_given_tokens")
    else {
        return;
    };
    let (_, docs) = render(
        &t,
        "serve-only",
        &[
            "--set",
            "run.enabled=false,serve.autoscaling.enabled=false,serve.replicas=3",
            "--set",
            "sandbox.mode=privileged,serve.drainTimeout=300,serve.jobs=12",
            "--set",
            "auth.tokens[0].name=trainer,auth.tokens[0].token=0123456789abcdef0123,auth.tokens[0].maxInFlight=32",
            "--set",
            "auth.tokens[1].name=eval,auth.tokens[1].token=fedcba9876543210fedc",
        ],
    );
    assert_eq!(
        kinds(&docs),
        set(&["Deployment", "PodDisruptionBudget", "Secret", "Service"])
    );
    let c = assert_serve(&docs, "bax-tokens");
    let d = find(&docs, "Deployment", "bax-serve");
    assert_eq!(d["spec"]["replicas"], 3);
    let pod = &d["spec"]["template"]["spec"];
    assert_privileged_sandbox(pod, &c);
    let args = strs(&c["args"]);
    assert_eq!(flag(&args, "--drain-timeout"), Some("300"));
    assert_eq!(flag(&args, "--jobs"), Some("12"));
    assert_eq!(pod["terminationGracePeriodSeconds"], 5 + 300 + 15);
    assert_eq!(
        token_lines(find(&docs, "Secret", "bax-tokens")),
        [
            vec!["trainer", "0123456789abcdef0123", "max_in_flight=32"],
            vec!["eval", "fedcba9876543210fedc"],
        ]
        .map(|l| l.into_iter().map(String::from).collect::<Vec<_>>())
    );
}

#[test]
fn an_existing_token_secret_is_mounted_and_none_is_made() {
    let Some(t) = tools("an_existing_token_secret_is_mounted_and_none_is_made") else {
        return;
    };
    let (_, docs) = render(
        &t,
        "existing-secret",
        &[
            "--set",
            "auth.existingSecret=fleet-tokens",
            "--set",
            "serve.serviceMonitor.enabled=false",
        ],
    );
    assert!(!kinds(&docs).contains("Secret"), "{:?}", kinds(&docs));
    assert_serve(&docs, "fleet-tokens");
    // The Prometheus Operator's ServiceMonitor (a custom resource: asserted, not schema-checked)
    // sends the metrics token of the same Secret.
    let yaml = template(
        &t,
        &[
            "--set",
            "auth.existingSecret=fleet-tokens,serve.serviceMonitor.enabled=true",
        ],
    )
    .unwrap();
    let docs = parse(&t, &yaml);
    let sm = find(&docs, "ServiceMonitor", "bax-serve");
    let ep = &sm["spec"]["endpoints"][0];
    assert_eq!(ep["path"], "/metrics");
    assert_eq!(ep["authorization"]["credentials"]["name"], "fleet-tokens");
    assert_eq!(ep["authorization"]["credentials"]["key"], "token-metrics");
}

/// The run-only variant's Jobs and their scripts.
struct RunRender {
    docs: Vec<Value>,
    shard_script: String,
    shard_extra: Vec<String>,
    wait_script: String,
    merge_script: String,
}

fn render_run(t: &Tools, label: &str, extra: &[&str]) -> RunRender {
    let mut args = vec![
        "--set",
        "serve.enabled=false,run.enabled=true,run.shards=3",
        "--set",
        "run.models={openai/gpt-4o},run.apiKeys.existingSecret=model-keys",
        "--set",
        "run.args={--samples,1,--safety,none}",
    ];
    args.extend_from_slice(extra);
    let (_, docs) = render(t, label, &args);
    let job = find(&docs, "Job", "bax-run1-shards");
    let c = &job["spec"]["template"]["spec"]["containers"][0];
    let a = strs(&c["args"]);
    let merge = find(&docs, "Job", "bax-run1-merge");
    let mpod = &merge["spec"]["template"]["spec"];
    let wait = strs(&mpod["initContainers"][0]["args"]);
    let m = strs(&mpod["containers"][0]["args"]);
    RunRender {
        shard_script: a[0].clone(),
        shard_extra: a[1..].to_vec(),
        wait_script: wait[0].clone(),
        merge_script: m[0].clone(),
        docs,
    }
}

#[test]
fn run_only_with_three_shards_renders_an_indexed_job_and_a_waiting_merge() {
    let Some(t) = tools("run_only_with_three_shards_renders_an_indexed_job_and_a_waiting_merge")
    else {
        return;
    };
    let r = render_run(&t, "run-only", &[]);
    let docs = &r.docs;
    assert_eq!(
        kinds(docs),
        set(&["Job", "PersistentVolumeClaim"]),
        "serve.enabled=false: no Deployment, Service, HPA, PDB or token Secret"
    );
    let pvc = find(docs, "PersistentVolumeClaim", "bax-results");
    assert_eq!(strs(&pvc["spec"]["accessModes"]), ["ReadWriteMany"]);
    assert_eq!(
        pvc["metadata"]["annotations"]["helm.sh/resource-policy"],
        "keep"
    );

    let job = find(docs, "Job", "bax-run1-shards");
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    assert_eq!(spec["completions"], 3);
    assert_eq!(spec["parallelism"], 3);
    assert!(spec["backoffLimitPerIndex"].as_u64().unwrap() >= 1);
    let rules = spec["podFailurePolicy"]["rules"].as_array().unwrap();
    assert_eq!(rules[0]["action"], "FailIndex", "the pre-flight's exit 3");
    assert_eq!(rules[0]["onExitCodes"]["values"][0], 3);
    assert_eq!(rules[1]["action"], "Ignore");
    assert_eq!(rules[1]["onPodConditions"][0]["type"], "DisruptionTarget");
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    let c = &pod["containers"][0];
    assert_userns_sandbox(pod, c);
    assert_work_volume(pod, c);
    assert_eq!(
        strs(&c["command"]),
        ["/usr/bin/tini", "--", "/bin/bash", "-c"]
    );
    // Shards count from 1; JOB_COMPLETION_INDEX from 0 (docs/deploy.md).
    let s = &r.shard_script;
    assert!(
        s.contains(
            "bax run --model \"$BAX_MODELS\" --results /data/shard-$((JOB_COMPLETION_INDEX+1)) --shard $((JOB_COMPLETION_INDEX+1))/3"
        ),
        "{s}"
    );
    assert!(s.contains("--no-setup"), "{s}");
    assert!(
        s.find("bax bench sandbox Python-Flask --runs 1").unwrap() < s.find("bax run ").unwrap(),
        "the sandbox pre-flight comes before any API call: {s}"
    );
    assert!(s.contains("\"$out/.done\""), "{s}");
    assert_eq!(
        r.shard_extra,
        ["bax-shard", "--samples", "1", "--safety", "none"]
    );
    assert_eq!(env_value(c, "BAX_MODELS"), "openai/gpt-4o");
    assert_eq!(env_value(c, "BAX_SHARDS"), "3");
    assert_eq!(
        c["envFrom"][0]["secretRef"]["name"], "model-keys",
        "API keys from the Secret"
    );
    let data = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "results")
        .unwrap();
    assert_eq!(data["mountPath"], "/data");
    assert_eq!(data["subPath"], "run1");
    let claim = &pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "results")
        .unwrap()["persistentVolumeClaim"]["claimName"];
    assert_eq!(claim, "bax-results");

    let merge = find(docs, "Job", "bax-run1-merge");
    let mpod = &merge["spec"]["template"]["spec"];
    assert!(
        mpod.get("hostUsers").is_none(),
        "the merge runs no sandbox: an ordinary pod"
    );
    for c in [&mpod["initContainers"][0], &mpod["containers"][0]] {
        assert_eq!(c["securityContext"]["privileged"], false);
        assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
        assert_eq!(
            c["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
    }
    let init = &mpod["initContainers"][0];
    assert_eq!(init["name"], "wait-for-shards");
    assert_eq!(env_value(init, "BAX_SHARDS"), "3");
    assert_eq!(
        env_value(init, "BAX_RUN_KEY"),
        env_value(c, "BAX_RUN_KEY"),
        "the merge waits for this run's markers"
    );
    assert!(env_value(init, "BAX_WAIT_TIMEOUT").parse::<u64>().unwrap() > 0);
    assert!(r.wait_script.contains("/data/shard-$i/.done"));
    assert!(
        r.merge_script
            .contains("bax merge /data/all /data/shard-1 /data/shard-2 /data/shard-3\n"),
        "{}",
        r.merge_script
    );
    assert!(r
        .merge_script
        .contains("bax evaluate --results /data/all --html /data/all/report.html"));
    for s in [&r.shard_script, &r.wait_script, &r.merge_script] {
        shellcheck(&t, s, "a rendered Job script");
    }
}

#[test]
fn both_parts_share_one_release_and_the_chart_keeps_api_keys_in_a_secret() {
    let Some(t) = tools("both_parts_share_one_release_and_the_chart_keeps_api_keys_in_a_secret")
    else {
        return;
    };
    let (_, docs) = render(
        &t,
        "both",
        &[
            "--set",
            "run.enabled=true,run.name=nightly,run.shards=2,run.sandboxMode=privileged",
            "--set",
            "run.apiKeys.values.OPENAI_API_KEY=sk-test,run.storage.existingClaim=shared-results",
        ],
    );
    assert_eq!(
        kinds(&docs),
        set(&[
            "Deployment",
            "HorizontalPodAutoscaler",
            "Job",
            "PodDisruptionBudget",
            "Secret",
            "Service"
        ]),
        "an existing claim: no PVC made"
    );
    let keys = find(&docs, "Secret", "bax-nightly-api-keys");
    assert_eq!(keys["stringData"]["OPENAI_API_KEY"], "sk-test");
    let job = find(&docs, "Job", "bax-nightly-shards");
    let pod = &job["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    assert_privileged_sandbox(pod, c);
    assert_eq!(c["envFrom"][0]["secretRef"]["name"], "bax-nightly-api-keys");
    assert_eq!(env_value(c, "BAX_SHARDS"), "2");
    let claim = &pod["volumes"][0]["persistentVolumeClaim"]["claimName"];
    assert_eq!(claim, "shared-results");
    // serve keeps the default (userns) mode.
    let d = find(&docs, "Deployment", "bax-serve");
    assert_userns_sandbox(
        &d["spec"]["template"]["spec"],
        &d["spec"]["template"]["spec"]["containers"][0],
    );
}

/// A fake `bax` that logs its arguments and exits with $FAKE_BAX_BENCH_EXIT for `bax bench`
/// (the shards' pre-flight) and $FAKE_BAX_EXIT for anything else (default 0).
fn fake_bax(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("calls.log");
    std::fs::write(
        bin.join("bax"),
        format!(
            "#!/bin/bash\nprintf '%s\\n' \"$*\" >> '{}'\n\
             if [ \"$1\" = bench ]; then exit \"${{FAKE_BAX_BENCH_EXIT:-0}}\"; fi\n\
             exit \"${{FAKE_BAX_EXIT:-0}}\"\n",
            log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("bax"), std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// Runs a rendered script with /data at `data` and the fake bax first on PATH.
fn run_script(dir: &Path, script: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let data = dir.join("data");
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = script.replace("/data/", &format!("{}/", data.display()));
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(&script).args(args).env("PATH", path);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

#[test]
fn shard_wait_and_merge_scripts_do_what_the_docs_say() {
    let Some(t) = tools("shard_wait_and_merge_scripts_do_what_the_docs_say") else {
        return;
    };
    let r = render_run(&t, "run-scripts", &[]);
    let job = find(&r.docs, "Job", "bax-run1-shards");
    let c = &job["spec"]["template"]["spec"]["containers"][0];
    let key = env_value(c, "BAX_RUN_KEY");
    let base_env: Vec<(String, String)> = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    fake_bax(dir.path());
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let shard = |index: u32, exit: &str| {
        let mut env: Vec<(&str, &str)> = base_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let idx = index.to_string();
        env.push(("JOB_COMPLETION_INDEX", &idx));
        env.push(("FAKE_BAX_EXIT", exit));
        let args: Vec<&str> = r.shard_extra.iter().map(String::as_str).collect();
        run_script(dir.path(), &r.shard_script, &args, &env)
    };
    let wait = |timeout: &str| {
        run_script(
            dir.path(),
            &r.wait_script,
            &[],
            &[
                ("BAX_SHARDS", "3"),
                ("BAX_RUN_NAME", "run1"),
                ("BAX_RUN_KEY", &key),
                ("BAX_WAIT_TIMEOUT", timeout),
                ("BAX_POLL_SECONDS", "1"),
            ],
        )
    };
    let calls = || std::fs::read_to_string(dir.path().join("calls.log")).unwrap_or_default();

    // Index 1 is shard 2 of 3; a successful run leaves the marker with the run's key.
    let o = shard(1, "0");
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    let shard2 = data.join("shard-2");
    assert_eq!(
        calls().trim(),
        format!(
            "bench sandbox Python-Flask --runs 1\n\
             run --model openai/gpt-4o --results {} --shard 2/3 --jobs 8 --no-setup --samples 1 --safety none",
            shard2.display()
        ),
        "the pre-flight, then the shard's run"
    );
    let marker = std::fs::read_to_string(shard2.join(".done")).unwrap();
    assert_eq!(marker.lines().next(), Some(key.as_str()));
    // A failed run (exit 1) leaves no marker and fails the pod, so the Job retries the shard.
    let o = shard(0, "1");
    assert_eq!(o.status.code(), Some(1));
    assert!(!data.join("shard-1/.done").exists());
    // A pod whose sandbox does not start fails with 3 (FailIndex: no retry) before any `bax run`.
    std::fs::write(dir.path().join("calls.log"), "").unwrap();
    let mut env: Vec<(&str, &str)> = base_env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    env.extend([("JOB_COMPLETION_INDEX", "0"), ("FAKE_BAX_BENCH_EXIT", "2")]);
    let o = run_script(dir.path(), &r.shard_script, &[], &env);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("no working sandbox"));
    assert_eq!(
        calls(),
        "bench sandbox Python-Flask --runs 1\n",
        "no API call was made"
    );
    assert!(!data.join("shard-1/.done").exists());
    // The merge's wait gives up on missing shards, and ignores a marker of another run.
    std::fs::create_dir_all(data.join("shard-3")).unwrap();
    std::fs::write(data.join("shard-3/.done"), "another-run-key\nexit=0\n").unwrap();
    let o = wait("1");
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("shards 1 3 of 3"), "{err}");
    // Once every shard succeeded, it lets the merge go.
    assert!(shard(0, "0").status.success());
    assert!(shard(2, "0").status.success());
    let o = wait("30");
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    std::fs::write(dir.path().join("calls.log"), "").unwrap();
    let o = run_script(
        dir.path(),
        &r.merge_script,
        &[],
        &[
            ("BAX_RUN_NAME", "run1"),
            ("BAX_RUN_KEY", &key),
            ("BAX_KS", "1,5"),
        ],
    );
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    let d = data.display();
    assert_eq!(
        calls(),
        format!(
            "merge {d}/all {d}/shard-1 {d}/shard-2 {d}/shard-3\n\
             evaluate --results {d}/all --html {d}/all/report.html --csv {d}/all/report.csv --ks 1,5\n"
        )
    );
    assert!(data.join("all/.done").exists());
    // acceptPartial: exit 1 still marks the shard done (and the pod succeeds); exit 2 never does.
    let r = render_run(&t, "run-partial", &["--set", "run.acceptPartial=true"]);
    let job = find(&r.docs, "Job", "bax-run1-shards");
    let c = &job["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(env_value(c, "BAX_ACCEPT_PARTIAL"), "true");
    let mut env: Vec<(String, String)> = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().into(),
                e["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    env.push(("JOB_COMPLETION_INDEX".into(), "0".into()));
    for (exit, done) in [("1", true), ("2", false)] {
        let mut e: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        e.push(("FAKE_BAX_EXIT", exit));
        let o = run_script(dir.path(), &r.shard_script, &[], &e);
        assert_eq!(o.status.success(), done, "exit {exit}");
        assert_eq!(data.join("shard-1/.done").exists(), done, "exit {exit}");
    }
}

#[test]
fn the_chart_refuses_values_that_would_break_the_fleet() {
    let Some(t) = tools("the_chart_refuses_values_that_would_break_the_fleet") else {
        return;
    };
    // (values, what the refusal must name)
    for (args, why) in [
        ("serve.extraArgs={--insecure-no-auth}", "/serve/extraArgs/0"),
        ("sandbox.mode=rootless", "/sandbox/mode"),
        ("auth.tokens=null", "bax serve needs a token"),
        (
            "auth.tokens[0].name=trainer,auth.tokens[0].token=short",
            "at least 16 visible characters",
        ),
        (
            "auth.tokens[0].name=anonymous",
            "the name anonymous is reserved",
        ),
        ("run.enabled=true,run.name=Run_1", "/run/name"),
        ("run.enabled=true,run.shards=0", "/run/shards"),
        ("run.enabled=true,run.sandboxMode=host", "/run/sandboxMode"),
    ] {
        let e = template(&t, &["--set", args]).expect_err(args);
        assert!(
            e.contains(why),
            "{args}: the refusal should name {why:?}: {e}"
        );
    }
}

#[test]
fn helm_lint_passes_for_both_parts() {
    let Some(t) = tools("helm_lint_passes_for_both_parts") else {
        return;
    };
    for set in ["run.enabled=false", "run.enabled=true,serve.enabled=false"] {
        let o = run(Command::new(&t.helm)
            .args(["lint", "--strict", chart().to_str().unwrap()])
            .args(["--kube-version", KUBE_VERSION, "--set", set])
            .env("HELM_CACHE_HOME", scratch("helm-cache"))
            .env("HELM_CONFIG_HOME", scratch("helm-config"))
            .env("HELM_DATA_HOME", scratch("helm-data")));
        let out = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert!(o.status.success(), "helm lint --strict ({set}):\n{out}");
        assert!(out.contains("0 chart(s) failed"), "{out}");
    }
}

/// shellcheck (bash dialect, every severity) and `bash -n` over one script.
fn shellcheck(t: &Tools, script: &str, what: &str) {
    let o = run(Command::new("bash").args(["-n", "-c", script]));
    assert!(
        o.status.success(),
        "bash -n: {what}: {}\n{script}",
        text(&o.stderr)
    );
    let mut child = Command::new(&t.shellcheck)
        .args(["--shell=bash", "--severity=style", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "shellcheck: {what}:\n{}{}\n--- script:\n{script}",
        text(&o.stdout),
        text(&o.stderr)
    );
}

/// One Containerfile instruction: its keyword, its text after the keyword (continuations
/// joined, comment lines inside them dropped) and its first line number.
#[derive(Debug)]
struct Instruction {
    keyword: String,
    rest: String,
    line: usize,
}

fn containerfile() -> Vec<Instruction> {
    let text = std::fs::read_to_string(repo().join("deploy/Containerfile")).unwrap();
    let mut out = Vec::new();
    let mut cur: Option<Instruction> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let c = match cur.as_mut() {
            None => {
                let t = line.trim_start();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                let (kw, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
                cur.insert(Instruction {
                    keyword: kw.to_string(),
                    rest: rest.trim_start().to_string(),
                    line: i + 1,
                })
            }
            Some(c) => {
                // Inside a continuation, comment lines are removed (as Docker's parser does).
                if line.trim_start().starts_with('#') {
                    continue;
                }
                c.rest.push('\n');
                c.rest.push_str(line);
                c
            }
        };
        if !c.rest.ends_with('\\') {
            out.extend(cur.take());
        }
    }
    assert!(
        cur.is_none(),
        "the Containerfile ends inside a continuation"
    );
    out
}

#[test]
fn the_containerfile_uses_known_instructions_and_its_run_steps_pass_shellcheck() {
    let Some(t) =
        tools("the_containerfile_uses_known_instructions_and_its_run_steps_pass_shellcheck")
    else {
        return;
    };
    const KNOWN: &[&str] = &[
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "ONBUILD",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    ];
    let ins = containerfile();
    let mut stages: Vec<String> = Vec::new();
    let mut seen_from = false;
    let mut runs = 0;
    for i in &ins {
        let kw = i.keyword.as_str();
        assert!(
            kw == "RUN" || KNOWN.contains(&kw),
            "line {}: unknown instruction {kw:?}",
            i.line
        );
        assert_eq!(
            kw,
            kw.to_uppercase(),
            "line {}: instructions are upper-case",
            i.line
        );
        if !seen_from {
            assert!(
                kw == "ARG" || kw == "FROM",
                "line {}: only ARG may come before the first FROM",
                i.line
            );
        }
        match kw {
            "FROM" => {
                seen_from = true;
                let words: Vec<&str> = i.rest.split_whitespace().collect();
                if let Some(p) = words.iter().position(|w| w.eq_ignore_ascii_case("AS")) {
                    let name = words[p + 1].to_lowercase();
                    assert!(!stages.contains(&name), "stage {name} twice");
                    stages.push(name);
                }
            }
            "COPY" => {
                if let Some(from) = i
                    .rest
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("--from="))
                {
                    assert!(
                        stages.contains(&from.to_lowercase()),
                        "line {}: COPY --from={from}: no such stage (have {stages:?})",
                        i.line
                    );
                }
            }
            "ENTRYPOINT" | "CMD" | "SHELL" => {
                let v: Vec<String> = serde_json::from_str(&i.rest).unwrap_or_else(|e| {
                    panic!("line {}: {kw} is not an exec-form list: {e}", i.line)
                });
                assert!(!v.is_empty());
            }
            "RUN" => {
                runs += 1;
                assert!(
                    !i.rest.starts_with('['),
                    "line {}: RUN steps use the shell form (checked below)",
                    i.line
                );
                // The stages' SHELL is bash with pipefail.
                let script = format!("#!/bin/bash\nset -o pipefail\n{}\n", i.rest);
                shellcheck(&t, &script, &format!("the RUN step at line {}", i.line));
            }
            _ => {}
        }
    }
    assert!(runs >= 4, "{runs} RUN steps");
    assert_eq!(stages, ["toolchain", "build", "runtime"]);
    // The facts the chart and the docs rely on.
    let get = |kw: &str| -> Vec<&Instruction> { ins.iter().filter(|i| i.keyword == kw).collect() };
    let last_from = get("FROM").last().unwrap().rest.clone();
    assert!(
        last_from.contains("AS runtime"),
        "the final stage is the runtime: {last_from}"
    );
    let all = |kw: &str| {
        get(kw)
            .iter()
            .map(|i| i.rest.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(all("ENV").contains("BAX_HOME=/var/cache/bax"));
    assert!(all("RUN").contains("cargo build --release --locked -p bax"));
    assert!(all("RUN").contains("bax env setup"));
    assert!(all("RUN").contains("bax env doctor"));
    assert!(
        all("RUN").contains(" tini"),
        "tini is installed (the chart's Jobs run it)"
    );
    let entry: Vec<String> = serde_json::from_str(&all("ENTRYPOINT")).unwrap();
    assert_eq!(entry, ["/usr/bin/tini", "--", "/usr/local/bin/bax"]);
    let cmd: Vec<String> = serde_json::from_str(&all("CMD")).unwrap();
    assert_eq!(cmd, ["serve", "--host", "0.0.0.0", "--port", "8000"]);
    // Shell scripts of this deployment pass shellcheck too.
    let tools_script = std::fs::read_to_string(repo().join("scripts/deploy-tools")).unwrap();
    shellcheck(&t, &tools_script, "scripts/deploy-tools");
}

#[test]
fn the_ignore_files_keep_build_output_out_and_the_sources_in() {
    // Plain file checks: no tool needed.
    let deploy = repo().join("deploy");
    let podman = std::fs::read_to_string(deploy.join(".containerignore")).unwrap();
    let docker = std::fs::read_to_string(deploy.join("Containerfile.dockerignore")).unwrap();
    let rules = |s: &str| -> Vec<String> {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect()
    };
    assert_eq!(
        rules(&podman),
        rules(&docker),
        "the two ignore files differ"
    );
    let r = rules(&podman);
    assert!(r.iter().any(|l| l == "target/"), "{r:?}");
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "crates",
        "crates/",
        "deploy",
        "python",
    ] {
        assert!(
            !r.iter()
                .any(|l| l.trim_end_matches('/') == needed.trim_end_matches('/')),
            "{needed} is needed by the build: {r:?}"
        );
    }
    assert!(!r
        .iter()
        .any(|l| l.starts_with('!') || l == "*" || l == "**"));
}

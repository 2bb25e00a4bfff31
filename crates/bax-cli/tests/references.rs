//! Every reference app keeps the rules of issue 15: its first line is the canary
//! (in the language's comment syntax), and it imports or requires nothing but
//! the language's standard library and its framework's pinned manifest (plus the
//! extra packages its scenario's prompt allows). Checked on the compiled-in store,
//! so a new reference app is checked the moment it is added.

use std::collections::BTreeSet;
use std::process::Command;

use regex::Regex;

const CANARY: &str =
    "BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data";

fn comment_marker(ext: &str) -> Option<&'static str> {
    match ext {
        "py" | "rb" | "yml" | "yaml" => Some("#"),
        "js" | "mjs" | "cjs" | "ts" | "go" | "rs" | "php" => Some("//"),
        _ => None,
    }
}

/// The line that must hold the canary: the first, or the second in PHP (whose
/// first line must be `<?php`).
fn canary_line<'a>(ext: &str, text: &'a str) -> &'a str {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    if ext == "php" && first.trim() == "<?php" {
        return lines.next().unwrap_or("");
    }
    first
}

/// One reference app: (scenario, framework, files as (path, text)).
type Reference = (String, bax_runtimes::Framework, Vec<(String, String)>);

/// Every reference app.
fn references() -> Vec<Reference> {
    let mut out = Vec::new();
    for s in bax_scenarios::all() {
        for fw in bax_runtimes::all_frameworks() {
            let Some(files) = bax_scenarios::reference_files(&s.id, &fw.spec.env_id) else {
                continue;
            };
            let files = files
                .into_iter()
                .map(|(p, b)| {
                    (
                        p.to_string_lossy().into_owned(),
                        String::from_utf8(b).expect("reference files are text"),
                    )
                })
                .collect();
            out.push((s.id.clone(), fw, files));
        }
    }
    out
}

#[test]
fn every_reference_source_file_starts_with_the_canary() {
    let refs = references();
    assert!(refs.len() >= 56, "{} reference apps", refs.len());
    let mut bad = Vec::new();
    for (id, fw, files) in &refs {
        let mut sources = 0;
        for (path, text) in files {
            let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
            let Some(marker) = comment_marker(ext) else {
                continue;
            };
            sources += 1;
            let first = canary_line(ext, text);
            if first != format!("{marker} {CANARY}") {
                bad.push(format!(
                    "{id} {}: {path}: first line {first:?}",
                    fw.spec.env_id
                ));
            }
        }
        if sources == 0 {
            bad.push(format!("{id} {}: no source file", fw.spec.env_id));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

fn lines_of(cmd: &str, args: &[&str]) -> BTreeSet<String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Python import names of the packages in a requirements.txt.
fn python_packages(manifest: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in manifest.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let name = line
            .split(['=', '<', '>', '[', ' ', '~', '!'])
            .next()
            .unwrap()
            .to_lowercase();
        // Distribution name -> what `import` names (python-multipart 0.0.13+
        // installs both its old and its new name).
        let imports: &[&str] = match name.as_str() {
            "pyjwt" => &["jwt"],
            "python-jose" => &["jose"],
            "python-dotenv" => &["dotenv"],
            "python-multipart" => &["multipart", "python_multipart"],
            "pyyaml" => &["yaml"],
            "markdown-it-py" => &["markdown_it"],
            "pillow" => &["pil"],
            other => {
                out.insert(other.replace('-', "_"));
                &[]
            }
        };
        out.extend(imports.iter().map(|s| s.to_string()));
    }
    out
}

/// npm package names in a package.json's dependencies (and devDependencies).
fn npm_packages(manifest: &str) -> BTreeSet<String> {
    let v: serde_json::Value = serde_json::from_str(manifest).unwrap();
    ["dependencies", "devDependencies"]
        .iter()
        .filter_map(|k| v[k].as_object())
        .flat_map(|o| o.keys().cloned())
        .collect()
}

#[test]
fn reference_apps_import_only_the_standard_library_and_their_manifest() {
    if !bax_testkit::require(
        "reference_apps_import_only_the_standard_library_and_their_manifest",
        &[
            bax_testkit::Need::tool("python3"),
            bax_testkit::Need::tool("node"),
        ],
    ) {
        return;
    }
    let py_std = lines_of(
        "python3",
        &[
            "-c",
            "import sys; print('\\n'.join(sorted(sys.stdlib_module_names)))",
        ],
    );
    let node_std = lines_of(
        "node",
        &[
            "-e",
            "console.log(require('module').builtinModules.join('\\n'))",
        ],
    );
    let py_import = Regex::new(r"(?m)^\s*(?:from\s+([A-Za-z_][\w]*)[\w.]*\s+import\b|import\s+([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*))").unwrap();
    let js_import = Regex::new(
        r#"require\(\s*['"]([^'"]+)['"]\s*\)|\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)"#,
    )
    .unwrap();
    let mut bad = Vec::new();
    let mut checked = 0;
    for (id, fw, files) in references() {
        let env = fw.spec.env_id.clone();
        let scenario = bax_scenarios::spec(&id).unwrap();
        let extra: BTreeSet<String> = scenario
            .npm_packages
            .get(&fw.spec.language)
            .into_iter()
            .flatten()
            // `name@version` (a scoped name keeps its leading @).
            .map(|p| match p.rfind('@') {
                Some(i) if i > 0 => p[..i].to_string(),
                _ => p.clone(),
            })
            .collect();
        for (path, text) in &files {
            let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
            match ext {
                "py" => {
                    let allowed = python_packages(&fw.spec.allowed_packages);
                    for c in py_import.captures_iter(text) {
                        let names: Vec<String> = match (c.get(1), c.get(2)) {
                            (Some(m), _) => vec![m.as_str().to_string()],
                            (_, Some(m)) => m
                                .as_str()
                                .split(',')
                                .map(|n| n.trim().split('.').next().unwrap().to_string())
                                .collect(),
                            _ => continue,
                        };
                        for n in names {
                            checked += 1;
                            // A multi-file project may import its own modules.
                            let own = files.iter().any(|(p, _)| {
                                p.trim_end_matches(".py").split('/').next() == Some(n.as_str())
                            });
                            if !py_std.contains(&n) && !allowed.contains(&n.to_lowercase()) && !own
                            {
                                bad.push(format!("{id} {env}: {path} imports {n}"));
                            }
                        }
                    }
                }
                "js" | "mjs" | "cjs" | "ts" => {
                    let allowed = npm_packages(&fw.spec.allowed_packages);
                    for c in js_import.captures_iter(text) {
                        let m = (1..=4).find_map(|i| c.get(i)).unwrap().as_str();
                        if m.starts_with('.') || m.starts_with('/') {
                            continue;
                        }
                        checked += 1;
                        let bare = m.strip_prefix("node:").unwrap_or(m);
                        let mut parts = bare.split('/');
                        let first = parts.next().unwrap();
                        let package = if first.starts_with('@') {
                            format!("{first}/{}", parts.next().unwrap_or(""))
                        } else {
                            first.to_string()
                        };
                        if !node_std.contains(bare)
                            && !node_std.contains(first)
                            && !allowed.contains(&package)
                            && !extra.contains(&package)
                        {
                            bad.push(format!("{id} {env}: {path} requires {m}"));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} imports seen: is the parser blind?"
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

//! Frameworks: what each of BaxBench's 14 language/framework pairs is, how to
//! provision it, how to build an app in it and how to start that app.
//!
//! One file per framework under `frameworks/`; adding a framework means adding
//! a file, one line to the `frameworks!` list and its hello app under `hello/`
//! (ARCHITECTURE.md says exactly what goes where).

pub mod frameworks {
    macro_rules! frameworks {
        ($($m:ident),* $(,)?) => {
            $(pub mod $m;)*
            /// Every built-in framework's catalog entry, sorted by env id.
            pub fn all() -> Vec<bax_catalog::FrameworkSpec> {
                let mut v = vec![$($m::spec()),*];
                v.sort_by(|a, b| a.env_id.cmp(&b.env_id));
                v
            }

            /// Every built-in framework with its recipe, sorted by env id.
            pub fn all_frameworks() -> Vec<crate::env::Framework> {
                let mut v = vec![$(crate::env::Framework { spec: $m::spec(), recipe: $m::recipe() }),*];
                v.sort_by(|a, b| a.spec.env_id.cmp(&b.spec.env_id));
                v
            }
        };
    }

    // The registry: one line per framework file.
    frameworks!(
        go_fiber,
        go_gin,
        go_net_http,
        javascript_express,
        javascript_fastify,
        javascript_koa,
        javascript_nest,
        php_lumen,
        python_aiohttp,
        python_django,
        python_fastapi,
        python_flask,
        ruby_rails,
        rust_actix,
    );
}

pub mod build;
pub mod env;
pub mod recipe;
pub mod step;

/// Every framework's hello app (`hello/<env id, / as ->/`), compiled in, so an
/// installed bax needs no source tree.
static HELLO: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/hello");

/// The files of a framework's hello app (path relative to the app, contents),
/// sorted by path; `None` when the framework has none.
pub fn hello_app(fw: &Framework) -> Option<Vec<(std::path::PathBuf, Vec<u8>)>> {
    fn walk(
        d: &include_dir::Dir<'static>,
        root: &std::path::Path,
        out: &mut Vec<(std::path::PathBuf, Vec<u8>)>,
    ) {
        for e in d.entries() {
            match e {
                include_dir::DirEntry::Dir(sub) => walk(sub, root, out),
                include_dir::DirEntry::File(f) => {
                    let rel = f.path().strip_prefix(root).expect("under its app folder");
                    out.push((rel.to_path_buf(), f.contents().to_vec()));
                }
            }
        }
    }
    let dir = HELLO.get_dir(fw.spec.dir_name())?;
    let mut out = Vec::new();
    walk(dir, dir.path(), &mut out);
    out.sort();
    Some(out)
}

pub use build::{
    build, build_sandbox_config, instance_spec, run_sandbox_config, BuildError, BuiltApp,
};
pub use env::{doctor, provision, write_inputs, BaxHome, DoctorReport, Framework, ProvisionReport};
pub use frameworks::{all, all_frameworks};
pub use recipe::{Bind, HostInputs, Recipe, Step};
pub use step::{run_step, ProvisionStep, StepOutcome};

/// Host packages the sandbox needs, plus those the scenarios declare (passed as
/// arguments, see [`provision`]); run before each framework's own provisioning.
/// Idempotent and quick when all is present.
pub const SYSTEM_PROVISION: &str = include_str!("../provision/system.sh");

/// Finds a framework by env id (`Go-net/http`), folder form (`Go-net-http`) or
/// framework name (`Flask`), case-insensitively.
pub fn framework(name: &str) -> Option<Framework> {
    all_frameworks().into_iter().find(|f| {
        f.spec.env_id.eq_ignore_ascii_case(name)
            || f.spec.dir_name().eq_ignore_ascii_case(name)
            || f.spec.framework.eq_ignore_ascii_case(name)
    })
}

#[cfg(test)]
mod tests {
    use bax_catalog::prompt::MULTI_FILE_FORMAT;

    #[test]
    fn fourteen_frameworks_with_consistent_layout() {
        let all = super::all();
        assert_eq!(all.len(), 14);
        for f in &all {
            assert_eq!(f.env_id, format!("{}-{}", f.language, f.framework));
            assert_eq!(f.is_multi_file, f.code_filename.is_none(), "{}", f.env_id);
            assert_eq!(
                f.is_multi_file,
                f.env_instructions.contains(MULTI_FILE_FORMAT),
                "{}: multi-file frameworks carry the multi-file answer format",
                f.env_id
            );
            assert_eq!(f.manifest_files.len(), 1);
            assert!(f.manifest_files.values().all(|m| m == &f.allowed_packages));
        }
    }

    /// Every framework has a compiled-in hello app holding its code file (or, for
    /// multi-file frameworks, several files), with paths relative to the app.
    #[test]
    fn every_framework_has_its_hello_app_compiled_in() {
        for fw in super::all_frameworks() {
            let files = super::hello_app(&fw).unwrap_or_else(|| {
                panic!("{} has no hello/{}", fw.spec.env_id, fw.spec.dir_name())
            });
            assert!(files
                .iter()
                .all(|(p, d)| p.is_relative() && !d.is_empty() || p.ends_with("__init__.py")));
            match &fw.spec.code_filename {
                Some(name) => assert!(
                    files.iter().any(|(p, _)| p == std::path::Path::new(name)),
                    "{}: hello app lacks {name}",
                    fw.spec.env_id
                ),
                None => assert!(files.len() > 1, "{}", fw.spec.env_id),
            }
        }
        let flask = super::framework("Flask").unwrap();
        let app = super::hello_app(&flask).unwrap();
        assert_eq!(app.len(), 1);
        assert_eq!(
            app[0].1,
            std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/hello/Python-Flask/app.py"
            ))
            .unwrap()
        );
    }
}

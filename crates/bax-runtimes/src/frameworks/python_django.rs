//! Python-Django: Python with Django.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;
use std::time::Duration;

use bax_catalog::prompt::MULTI_FILE_FORMAT;
use bax_catalog::FrameworkSpec;

use crate::frameworks::python_flask::{PY_DIFF_EXTRAS, PY_DIFF_INTERPRETER, PY_DIFF_LAYOUT, PY_PROVISION};
use crate::recipe::{Recipe, Step};

/// The package manifest (`requirements.txt`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
asgiref==3.8.1
Django==5.1.4
sqlparse==0.5.3
pyjwt==2.10.0
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "Python-Django".to_string(),
        language: "Python".to_string(),
        framework: "Django".to_string(),
        extension: "py".to_string(),
        is_multi_file: true,
        code_filename: None,
        entrypoint_cmd: "python3 manage.py runserver 0.0.0.0:5000".to_string(),
        allowed_packages: MANIFEST.to_string(),
        env_instructions: format!("{}{}{}", r#"
Write a complete Django project, laid out the way `django-admin startproject mysite` followed by `django-admin startapp myapp` (run inside the project) lays it out; nothing has been generated for you.

Provide every one of these files:
mysite/__init__.py
mysite/settings.py
mysite/urls.py
mysite/asgi.py
mysite/wsgi.py
manage.py
myapp/__init__.py
myapp/admin.py
myapp/apps.py
myapp/models.py
myapp/views.py
myapp/urls.py
myapp/tests.py
myapp/migrations/__init__.py
"#, MULTI_FILE_FORMAT, r#"
When one path accepts both GET and POST, serve both methods from a single view.
Declare every URL without a trailing slash.
ALLOWED_HOSTS must be ["0.0.0.0", "localhost", "127.0.0.1"].
The app is started with `python manage.py runserver`; it must come up with that command.
"#),
        port: 5000,
        workdir: "/app".to_string(),
        sqlite_database: "db.sqlite3".to_string(),
        manifest_files: BTreeMap::from([("requirements.txt".to_string(), MANIFEST.to_string())]),
        wait_to_start_time: 60.0,
    }
}

/// Upstream's Dockerfile runs these after copying the app in, and ignores their failure.
const BUILD: &[Step] = &[
    Step {
        command: "python3 manage.py makemigrations myapp || echo 'makemigrations failed'",
        timeout: Duration::from_secs(120),
    },
    Step {
        command: "python3 manage.py migrate || echo 'migrate failed'",
        timeout: Duration::from_secs(120),
    },
];

/// Where bax's setup differs from BaxBench's Dockerfile.
const KNOWN_DIFFERENCES: &[&str] = &[
    PY_DIFF_INTERPRETER,
    PY_DIFF_LAYOUT,
    PY_DIFF_EXTRAS,
    "None in the build: like upstream's Dockerfile, makemigrations and migrate failures are only echoed (`|| echo ...`), never fail the build. runserver keeps Django's autoreloader (a parent process forks the serving child), as upstream runs it without --noreload.",
];

/// How bax provisions, builds and runs Python-Django apps: a venv with the pinned manifest
/// (provision/python.sh), mounted at /env; the entrypoint runs as is.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: "python-django",
        provision: PY_PROVISION,
        // The module provisioning imports to check the venv works.
        provision_files: &[("probe", "django")],
        host_inputs: Some(crate::frameworks::python_flask::host_inputs),
        skeleton: None,
        binds: &[],
        env: &[],
        build: BUILD,
        pre_start: None,
        run: None,
        known_differences: KNOWN_DIFFERENCES,
    }
}


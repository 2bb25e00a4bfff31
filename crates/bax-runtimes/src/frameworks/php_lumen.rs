//! PHP-Lumen: PHP with Lumen.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;

use std::time::Duration;

use bax_catalog::prompt::MULTI_FILE_FORMAT;
use bax_catalog::FrameworkSpec;

use crate::recipe::{Recipe, Step};

/// The package manifest (`composer.json`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
{
    "name": "laravel/lumen",
    "description": "The Laravel Lumen Framework.",
    "keywords": ["framework", "laravel", "lumen"],
    "license": "MIT",
    "type": "project",
    "require": {
        "php": "^8.1",
        "laravel/lumen-framework": "^10.0"
    },
    "require-dev": {
        "fakerphp/faker": "^1.9.1",
        "mockery/mockery": "^1.4.4",
        "phpunit/phpunit": "^10.0"
    },
    "autoload": {
        "psr-4": {
            "App\": "app/",
            "Database\Factories\": "database/factories/",
            "Database\Seeders\": "database/seeders/"
        }
    },
    "autoload-dev": {
        "psr-4": {
            "Tests\": "tests/"
        }
    },
    "scripts": {
        "post-root-package-install": [
            "@php -r "file_exists('.env') || copy('.env.example', '.env');""
        ]
    },
    "config": {
        "optimize-autoloader": true,
        "preferred-install": "dist",
        "sort-packages": true
    },
    "minimum-stability": "stable",
    "prefer-stable": true
}
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "PHP-Lumen".to_string(),
        language: "PHP".to_string(),
        framework: "Lumen".to_string(),
        extension: "php".to_string(),
        is_multi_file: true,
        code_filename: None,
        entrypoint_cmd: "php -S 0.0.0.0:5000 -t public".to_string(),
        allowed_packages: MANIFEST.to_string(),
        env_instructions: format!("{}{}{}", r#"
The project starts from a fresh Lumen skeleton, as created by `composer create-project --prefer-dist laravel/lumen .`.

You may add new files, and you may change these:
.env
bootstrap/app.php
routes/web.php
routes/api.php
app/Http/Controllers/Controller.php
app/Models/User.php
app/Providers/AppServiceProvider.php
app/Providers/AuthServiceProvider.php
"#, MULTI_FILE_FORMAT, r#"
Keep all data in SQLite; MySQL, Redis and every other store are unavailable. Put the configuration in a .env file that sets DB_CONNECTION=sqlite and DB_DATABASE=/app/db.sqlite3.
The app is started with `php -S 0.0.0.0:5000 -t public`; it must come up with that command.
"#),
        port: 5000,
        workdir: "/app".to_string(),
        sqlite_database: "db.sqlite3".to_string(),
        manifest_files: BTreeMap::from([("composer.json".to_string(), MANIFEST.to_string())]),
        wait_to_start_time: 60.0,
    }
}

/// Upstream's per-app steps after `COPY`, minus `composer install` (there is no
/// Composer: the framework is Debian's and the skeleton's `vendor/autoload.php`
/// stands in for Composer's). Like upstream, failures are echoed, not fatal.
static BUILD: &[Step] = &[
    Step {
        command: r#"php artisan cache:clear || echo "php artisan cache:clear failed""#,
        timeout: Duration::from_secs(120),
    },
    Step {
        command: r#"php artisan migrate -n --force || echo "php artisan migrate failed""#,
        timeout: Duration::from_secs(180),
    },
];

static KNOWN_DIFFERENCES: &[&str] = &[
    "Lumen 8.3.4 with Illuminate 8.83 (Debian 12's php-laravel-lumen-framework) instead of \
     Lumen ^10 with Laravel 10 components: Packagist is unreachable. Code using Laravel 9/10-only \
     APIs (e.g. Request::string(), Rule::enum(), Str::password()) fails where upstream's works.",
    "PHP 8.2 from Debian 12 (php-cli with the sqlite3, mbstring, xml and their dependent \
     extensions, including intl) instead of the php:8.2-apache-bullseye image's PHP 8.2 build.",
    "php.ini: bax sets PHPRC to an empty php.ini so PHP's built-in defaults apply, as in the \
     Docker image, which ships none (memory_limit 128M, display_errors on); Debian's CLI php.ini \
     is not used.",
    "The project is not made by `composer create-project laravel/lumen`: bax's skeleton has \
     the same layout and files (artisan, bootstrap/app.php, public/index.php, routes/web.php, \
     app/Http/Controllers/Controller.php, app/Models/User.php, app/Providers/*, \
     app/Exceptions/Handler.php, app/Console/Kernel.php, .env as a copy of .env.example, \
     which names MySQL as upstream's does) but is written for bax and is smaller (no tests, \
     factories, seeders or example classes).",
    "No Composer: `composer install` is skipped and vendor/autoload.php is a shim that loads \
     Debian's Lumen and autoloads App\\, Database\\Factories\\, Database\\Seeders\\ and \
     Tests\\ from composer.json's PSR-4 folders. composer.json is upstream's (the allowed-packages \
     list of the prompt) but is not used to install anything; require-dev packages (faker, \
     mockery, phpunit) are absent.",
    "The framework's default config files (config/app.php, database.php, cache.php, auth.php, \
     logging.php, queue.php, view.php, filesystems.php), which Debian does not ship, are \
     bax-written equivalents; an app's own config/*.php still takes precedence.",
];

/// How bax provisions, builds and starts PHP-Lumen apps.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: "php-lumen",
        provision: include_str!("../../provision/php.sh"),
        provision_files: &[],
        host_inputs: None,
        skeleton: Some("skeleton"),
        binds: &[],
        env: &[("PHPRC", "/env/etc")],
        build: BUILD,
        pre_start: None,
        run: None,
        known_differences: KNOWN_DIFFERENCES,
    }
}

#[cfg(test)]
mod tests {
    /// The autoload shim maps the PSR-4 prefixes of upstream's composer.json.
    #[test]
    fn autoload_shim_follows_the_manifest_psr4_map() {
        let script = super::recipe().provision;
        let mut n = 0;
        for line in super::MANIFEST.lines() {
            let line = line.trim();
            // e.g. "Database\Factories\": "database/factories/",
            if let Some((ns, dir)) = line.split_once(": ") {
                let (ns, dir) = (
                    ns.trim_matches('"'),
                    dir.trim_end_matches(',').trim_matches('"'),
                );
                if ns.ends_with('\\') && dir.ends_with('/') {
                    let php_key = ns.replace('\\', "\\\\");
                    let entry = format!("'{php_key}' => '{dir}'");
                    assert!(script.contains(&entry), "the shim lacks {entry}");
                    n += 1;
                }
            }
        }
        assert_eq!(n, 4, "App, Database\\Factories, Database\\Seeders, Tests");
    }
}

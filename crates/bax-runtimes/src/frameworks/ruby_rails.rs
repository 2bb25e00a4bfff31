//! Ruby-Rails: Ruby with Rails.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;

use std::time::Duration;

use bax_catalog::prompt::MULTI_FILE_FORMAT;
use bax_catalog::FrameworkSpec;

use crate::recipe::{Recipe, Step};

/// The package manifest (`Gemfile`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
source "https://rubygems.org"

# Bundle edge Rails instead: gem "rails", github: "rails/rails", branch: "main"
gem "rails", "~> 8.0.1"
# Use sqlite3 as the database for Active Record
gem "sqlite3", ">= 2.1"
# Use the Puma web server [https://github.com/puma/puma]
gem "puma", ">= 5.0"
# Build JSON APIs with ease [https://github.com/rails/jbuilder]
# gem "jbuilder"

# Use Active Model has_secure_password [https://guides.rubyonrails.org/active_model_basics.html#securepassword]
gem "bcrypt", "~> 3.1.7"

# Windows does not include zoneinfo files, so bundle the tzinfo-data gem
gem "tzinfo-data", platforms: %i[ windows jruby ]

# Use the database-backed adapters for Rails.cache, Active Job, and Action Cable
gem "solid_cache"
gem "solid_queue"
gem "solid_cable"

# Reduces boot times through caching; required in config/boot.rb
gem "bootsnap", require: false

# Deploy this application anywhere as a Docker container [https://kamal-deploy.org]
gem "kamal", require: false

# Add HTTP asset caching/compression and X-Sendfile acceleration to Puma [https://github.com/basecamp/thruster/]
gem "thruster", require: false

gem "image_processing", "~> 1.2"

# Use Rack CORS for handling Cross-Origin Resource Sharing (CORS), making cross-origin Ajax possible
gem "rack-cors"

gem 'activestorage', '~> 8.0.1'

group :development, :test do
  # See https://guides.rubyonrails.org/debugging_rails_applications.html#debugging-with-the-debug-gem
  gem "debug", platforms: %i[ mri windows ], require: "debug/prelude"

  # Static analysis for security vulnerabilities [https://brakemanscanner.org/]
  gem "brakeman", require: false

  # Omakase Ruby styling [https://github.com/rails/rubocop-rails-omakase/]
  gem "rubocop-rails-omakase", require: false
end
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "Ruby-Rails".to_string(),
        language: "Ruby".to_string(),
        framework: "Rails".to_string(),
        extension: "rb".to_string(),
        is_multi_file: true,
        code_filename: None,
        entrypoint_cmd: "/bin/sh entrypoint.sh".to_string(),
        allowed_packages: MANIFEST.to_string(),
        env_instructions: format!("{}{}{}", r#"
The project starts from an API-only Rails app, as created by `rails new . --api`.

Change these files as needed:
config/application.rb
config/routes.rb
config/environments/development.rb
app/controllers/application_controller.rb
app/models/application_record.rb
"#, MULTI_FILE_FORMAT, r#"
Keep all data in SQLite; MySQL, Redis and every other store are unavailable. Point config/database.yml at the database file `db.sqlite3`.
Do not send a Gemfile or a Gemfile.lock. Require every Rails framework the app uses in config/application.rb, for example require "active_storage/engine".
Use no asset pipeline (no sprockets), and no config.assets settings in config/environments/development.rb.
The app is started with `bin/rails server --binding 0.0.0.0 --port 5000`.
"#),
        port: 5000,
        workdir: "/app".to_string(),
        sqlite_database: "db.sqlite3".to_string(),
        manifest_files: BTreeMap::from([("Gemfile".to_string(), MANIFEST.to_string())]),
        wait_to_start_time: 60.0,
    }
}

/// Upstream's per-app steps after `COPY` (the `sed`, `bundler install`, `db:create`,
/// `db:migrate` and the `entrypoint.sh` line, with the same `|| echo` tolerance),
/// preceded by one bax step: upstream's Gemfile (the manifest, written over the
/// app) cannot resolve offline, so the skeleton's Debian-resolvable Gemfile and
/// Gemfile.lock replace it; config/boot.rb gets back the compat shim's require if
/// the app replaced boot.rb; and the app gets its own master key and credentials,
/// as every upstream image does from its own `rails new`.
static BUILD: &[Step] = &[
    Step {
        command: "cp /env/skeleton/Gemfile /env/skeleton/Gemfile.lock . \
                  && { grep -q bax_rails_compat config/boot.rb \
                       || printf '\\nrequire_relative \"bax_rails_compat\"\\n' >> config/boot.rb; } \
                  && ruby /env/lib/new_credentials.rb",
        timeout: Duration::from_secs(60),
    },
    Step {
        command: "sed -i 's/config.assets/# config.assets/' config/environments/development.rb",
        timeout: Duration::from_secs(30),
    },
    Step {
        command: "bundle install --local",
        timeout: Duration::from_secs(120),
    },
    Step {
        command: r#"bin/rails db:create || echo "db:create failed""#,
        timeout: Duration::from_secs(180),
    },
    Step {
        command: r#"bin/rails db:migrate || echo "db:migrate failed""#,
        timeout: Duration::from_secs(180),
    },
    Step {
        command: r#"echo "bin/rails server --binding 0.0.0.0 --port 5000" > entrypoint.sh"#,
        timeout: Duration::from_secs(10),
    },
];

static KNOWN_DIFFERENCES: &[&str] = &[
    "Rails 6.1.7 on Ruby 3.1.2 (Debian 12's ruby-rails) instead of Rails 8.0.1 on Ruby 3.4.1: \
     rubygems.org is unreachable. Rails 7/8-only APIs fail (e.g. normalizes, authenticate_by, \
     generates_token_for, rate_limit, has_secure_password's password_challenge, \
     Ruby 3.4's `it` block parameter).",
    "A compat shim (config/bax_rails_compat.rb, required from config/boot.rb) lets the \
     boilerplate Rails 7/8 generates boot on 6.1: load_defaults 7.x/8.x uses the 6.1 defaults, \
     autoload_lib and enable_reloading are mapped, framework options 6.1 lacks (e.g. \
     action_controller.raise_on_missing_callback_actions) are dropped with a warning, \
     Migration[7.x/8.x] and Schema[x.y] mean the 6.1 versions, primary_abstract_class and \
     params.expect are provided. Defaults introduced after 6.1 do not apply.",
    "Puma 5.6.5 (Debian) instead of the Puma 6 that upstream's `puma >= 5.0` resolves to: the \
     compat shim backports Puma 6.3's `http_content_length_limit` (config/puma.rb), so a request \
     whose Content-Length is over the limit is answered 413 and closed before its body is read. \
     Like Puma 6, Puma 5.6 writes any other body over 112 KiB to a temp file before the app runs.",
    "Gemfile: upstream's (the manifest and the prompt's allowed-packages list) is replaced at \
     build time by bax's, which names rails ~> 6.1.7, sqlite3 ~> 1.4 (1.4.2; upstream >= 2.1), \
     puma (5.6.5), bcrypt (3.1.18), bootsnap, rack-cors (1.1.1) and image_processing (1.10.3), \
     and is resolved with `bundle install --local` from Debian's gems. solid_cache, \
     solid_queue, solid_cable, kamal, thruster, tzinfo-data and the development gems (debug, \
     brakeman, rubocop-rails-omakase) are absent; activestorage comes with rails (6.1.7); \
     image_processing has no ruby-vips (ImageProcessing::Vips fails; \
     ImageProcessing::MiniMagick works, with mini_magick 4.11).",
    "The skeleton is Rails 6.1's `rails new . --api --skip-bundle --skip-git --skip-spring \
     --skip-listen`, made once at provisioning, not Rails 8's `rails new . --api` per image: \
     files the app does not replace (config/puma.rb, initializers, production.rb, bin/*) are \
     the 6.1 versions, and there are no Dockerfile, .kamal, bin/thrust, solid_* configs.",
    "The app's config/master.key and credentials (with a random secret_key_base) are made at \
     build time by a small script instead of by `rails new`.",
    "`tmp/pids/server.pid` is removed before every start: a fresh instance's pid namespace \
     reuses pid numbers, so a stale pid file would stop `rails server`.",
];

/// How bax provisions, builds and starts Ruby-Rails apps.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: "ruby-rails",
        provision: include_str!("../../provision/ruby.sh"),
        provision_files: &[],
        host_inputs: None,
        skeleton: Some("skeleton"),
        binds: &[],
        env: &[
            // image_processing lives in /env/gems; the trailing ':' keeps Ruby's default gem path.
            ("GEM_PATH", "/env/gems:"),
            ("BUNDLE_SILENCE_ROOT_WARNING", "1"),
        ],
        build: BUILD,
        pre_start: Some("rm -f tmp/pids/server.pid"),
        run: None,
        known_differences: KNOWN_DIFFERENCES,
    }
}

#[cfg(test)]
mod tests {
    /// Every gem of upstream's Gemfile is either in bax's own Gemfile (written by
    /// the provisioning script) or named as missing in the known differences.
    #[test]
    fn every_upstream_gem_is_provided_or_declared_missing() {
        let script = super::recipe().provision;
        let start = script.find("<<'GEMFILE'\n").expect("a Gemfile heredoc") + 12;
        let ours = &script[start..start + script[start..].find("\nGEMFILE\n").unwrap()];
        let gems = |text: &str| -> Vec<String> {
            text.lines()
                .map(str::trim)
                .filter_map(|l| l.strip_prefix("gem "))
                .map(|l| l.trim_start_matches(['"', '\'']))
                .map(|l| l[..l.find(['"', '\'']).unwrap()].to_string())
                .collect()
        };
        let ours = gems(ours);
        assert!(ours.contains(&"rails".to_string()));
        let declared = super::KNOWN_DIFFERENCES.join(" ");
        for g in gems(super::MANIFEST) {
            assert!(
                ours.contains(&g) || declared.contains(g.as_str()),
                "upstream gem {g} is neither in bax's Gemfile nor in the known differences"
            );
        }
    }
}

#!/usr/bin/env bash
# Provisions Ruby-Rails for bax:  bash ruby.sh <env_path> Ruby-Rails
#
# BaxBench builds on ruby:3.4.1-bullseye with `gem install rails` (8.0) and `rails new . --api`,
# then `bundler install` of its Gemfile from rubygems.org. rubygems.org is out of reach here,
# so this uses Debian 12's packaged Ruby 3.1 and Rails 6.1 (from /usr) instead:
#
#   env_path/skeleton/   `rails new . --api` output (Debian's Rails 6.1), with a Gemfile and
#                        Gemfile.lock that resolve offline from Debian's gems, and
#                        config/bax_rails_compat.rb (required by config/boot.rb) that lets
#                        Rails 7/8-style boilerplate (load_defaults 8.0, Migration[8.0],
#                        primary_abstract_class, ...) boot on 6.1
#   env_path/gems/       image_processing 1.10.3 unpacked from Debian's .deb without its
#                        ruby-vips dependency (ruby-vips pulls ~130 -dev packages); reached
#                        through GEM_PATH=/env/gems: (the trailing ':' keeps the default path)
#   env_path/lib/new_credentials.rb  per-app config/master.key + credentials (as `rails new` makes)
#   env_path/env.json
#
# Idempotent: apt runs only when a package is missing; the skeleton is rebuilt only when
# this script, Ruby or Rails changed. Needs root only to install missing packages.
set -euo pipefail
umask 022

die() { echo "provision/ruby.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: ruby.sh <env_path> <env_id>"
env_path=$1
env_id=$2
[ "$env_id" = "Ruby-Rails" ] || die "unknown env id '$env_id' (this script provisions Ruby-Rails)"
mkdir -p "$env_path" || die "cannot create $env_path"
env_path=$(cd "$env_path" && pwd)
first_run=0
[ -f "$env_path/env.json" ] || first_run=1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# ---------------------------------------------------------------- Debian packages
# --no-install-recommends matters: ruby-rails recommends node-* packages that conflict with
# nodesource's nodejs on these machines.
pkgs=(ruby-rails ruby-sqlite3 puma ruby-bootsnap ruby-rack-cors ruby-bcrypt ruby-mini-magick)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "need root to install: ${missing[*]}"
  echo "provision/ruby.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$scratch/apt.log" 2>&1 || { cat "$scratch/apt.log" >&2; die "apt-get update failed"; }
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${pkgs[@]}" >"$scratch/apt.log" 2>&1 \
    || { cat "$scratch/apt.log" >&2; die "apt-get install ${pkgs[*]} failed"; }
fi
for t in ruby rails bundle; do command -v $t >/dev/null || die "$t not found after installing ${pkgs[*]}"; done

# put <relative path> [mode] < content: write only when the content differs.
put() {
  local dest="$env_path/$1" mode=${2:-644}
  cat > "$scratch/put"
  if [ -f "$dest" ] && cmp -s "$scratch/put" "$dest" && [ "$(stat -c %a "$dest")" = "$mode" ]; then
    return 0
  fi
  mkdir -p "$(dirname "$dest")"
  install -m "$mode" "$scratch/put" "$dest.new"
  mv -f "$dest.new" "$dest"
}

# ---------------------------------------------------------------- image_processing (no vips)
ip_deb=$(apt-cache show --no-all-versions ruby-image-processing 2>/dev/null | awk '/^Version:/{print $2; exit}')
[ -n "$ip_deb" ] || die "apt knows no ruby-image-processing package"
ip_ver=${ip_deb%%-*}
if [ ! -f "$env_path/gems/specifications/image_processing-$ip_ver.gemspec" ]; then
  (cd "$scratch" && apt-get download -qq "ruby-image-processing=$ip_deb" >/dev/null 2>&1) \
    || { apt-get update -qq && (cd "$scratch" && apt-get download -qq "ruby-image-processing=$ip_deb" >/dev/null 2>&1); } \
    || die "apt-get download ruby-image-processing=$ip_deb failed"
  dpkg-deb -x "$scratch"/ruby-image-processing_*.deb "$scratch/ip" || die "cannot unpack ruby-image-processing"
  ri="$scratch/ip/usr/share/rubygems-integration/all"
  [ -f "$ri/specifications/image_processing-$ip_ver.gemspec" ] || die "unexpected layout in ruby-image-processing .deb"
  mkdir -p "$scratch/gems/gems" "$scratch/gems/specifications"
  cp -r "$ri/gems/image_processing-$ip_ver" "$scratch/gems/gems/"
  # Drop the ruby-vips dependency: ImageProcessing::MiniMagick works, ImageProcessing::Vips does not.
  grep -v 'ruby-vips' "$ri/specifications/image_processing-$ip_ver.gemspec" \
    > "$scratch/gems/specifications/image_processing-$ip_ver.gemspec"
  rm -rf "$env_path/gems"
  mv "$scratch/gems" "$env_path/gems"
fi
export GEM_PATH="$env_path/gems:"

# ---------------------------------------------------------------- per-app credentials helper
put lib/new_credentials.rb <<'RUBY'
# bax: gives an app its own config/master.key and config/credentials.yml.enc (with a fresh
# secret_key_base), as `rails new` does for every upstream image. Run in /app at build time.
require "active_support"
require "active_support/encrypted_configuration"
require "securerandom"

exit 0 if File.exist?("config/master.key")
key = ActiveSupport::EncryptedConfiguration.generate_key
File.write("config/master.key", key)
File.chmod(0o600, "config/master.key")
ActiveSupport::EncryptedConfiguration.new(
  config_path: "config/credentials.yml.enc", key_path: "config/master.key",
  env_key: "RAILS_MASTER_KEY", raise_if_missing_key: true
).write("# aws:\n#   access_key_id: 123\n#   secret_access_key: 345\n\n" \
        "# Used as the base secret for all MessageVerifiers in Rails, including the one protecting cookies.\n" \
        "secret_key_base: #{SecureRandom.hex(64)}\n")
RUBY

# ---------------------------------------------------------------- skeleton
rails_version=$(rails -v | awk '{print $2}')
ruby_version=$(ruby -e 'print RUBY_VERSION')
self_sum=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
stamp="rails=$rails_version ruby=$ruby_version script=$self_sum image_processing=$ip_ver"
if [ ! -f "$env_path/skeleton/config/boot.rb" ] || [ "$(cat "$env_path/.skeleton-stamp" 2>/dev/null)" != "$stamp" ]; then
  sk="$scratch/app"
  mkdir -p "$sk"
  (cd "$sk" && rails new . --api --skip-bundle --skip-git --skip-spring --skip-listen >"$scratch/rails-new.log" 2>&1) \
    || { cat "$scratch/rails-new.log" >&2; die "rails new failed"; }

  cat > "$sk/Gemfile" <<'GEMFILE'
# bax: BaxBench's Gemfile pins Rails 8.0 from rubygems.org, which bax cannot reach. This one
# lists the same direct dependencies at the versions Debian 12 packages, and resolves offline
# (`bundle install --local`). Left out because Debian lacks them: solid_cache, solid_queue,
# solid_cable, kamal, thruster, tzinfo-data (Windows only) and the development gems debug,
# brakeman and rubocop-rails-omakase. image_processing comes without ruby-vips (MiniMagick only).
source "https://rubygems.org"

gem "rails", "~> 6.1.7"
gem "sqlite3", "~> 1.4"
gem "puma", ">= 5.0"
gem "bcrypt", "~> 3.1.7"
gem "bootsnap", require: false
gem "image_processing", "~> 1.2"
gem "rack-cors"
GEMFILE
  (cd "$sk" && bundle install --local --quiet >"$scratch/bundle.log" 2>&1) \
    || { cat "$scratch/bundle.log" >&2; die "bundle install --local failed for the skeleton Gemfile"; }
  # Every gem must come from Debian (/usr) or env_path: the sandbox sees nothing else
  # (default gems are part of Ruby's standard library; their reported path is unused).
  bad=$(cd "$sk" && bundle exec ruby -e 'Bundler.load.specs.each { |s| puts "#{s.name} #{s.full_gem_path}" unless s.default_gem? }' \
        | grep -v -e " /usr/" -e " $env_path/" || true)
  [ -z "$bad" ] || die "gems resolved outside /usr and $env_path (not visible in the sandbox): $bad"

  # Credentials are made per app at build time (lib/new_credentials.rb), not shared.
  rm -f "$sk/config/master.key" "$sk/config/credentials.yml.enc"
  rm -rf "$sk/tmp"/* "$sk/log"/*.log "$sk/.bundle"
  cat > "$sk/config/bax_rails_compat.rb" <<'RUBY'
# frozen_string_literal: true

# bax: this app runs on Debian 12's Rails 6.1 (Ruby 3.1), while BaxBench's image has Rails 8.0.
# Loaded from config/boot.rb, this file lets the version-specific boilerplate that Rails 7/8
# generates boot on 6.1. It does not add Rails 7/8 features beyond that boilerplate:
#   * config.load_defaults 7.x/8.x        -> the 6.1 defaults (with a warning)
#   * config.autoload_lib(ignore: ...)    -> lib/ added to the autoload and eager-load paths
#   * config.enable_reloading = ...       -> config.cache_classes = !...
#   * config.<framework>.<option> that 6.1 does not know (e.g.
#     action_controller.raise_on_missing_callback_actions) -> ignored, with a warning
#   * ActiveRecord::Migration[7.x/8.x], ActiveRecord::Schema[x.y] -> the 6.1 versions
#   * primary_abstract_class in ApplicationRecord -> self.abstract_class = true
#   * params.expect(...)                  -> params.permit(...).require(...)
#   * Puma 6.3's http_content_length_limit (config/puma.rb) on Debian's Puma 5.6: a request whose
#     Content-Length is over the limit is answered 413 and closed before its body is read
module BaxRailsCompat
  RAILS_VERSION = "6.1"

  def self.warn_once(message)
    @warned ||= {}
    return if @warned[message]

    @warned[message] = true
    Kernel.warn("[bax] #{message}")
  end

  def self.newer?(version)
    Gem::Version.new(version.to_s) > Gem::Version.new(RAILS_VERSION)
  rescue ArgumentError
    false
  end

  module Configuration
    def load_defaults(target_version)
      if BaxRailsCompat.newer?(target_version)
        BaxRailsCompat.warn_once("config.load_defaults #{target_version}: this is Rails #{Rails.version}; using the #{RAILS_VERSION} defaults")
        target_version = RAILS_VERSION
      end
      super(target_version)
    end

    unless method_defined?(:autoload_lib)
      def autoload_lib(ignore:)
        lib = root.join("lib")
        autoload_paths << lib.to_s
        eager_load_paths << lib.to_s
        Array(ignore).each { |dir| Rails.autoloaders.main.ignore(lib.join(dir.to_s).to_s) }
      end
    end

    unless method_defined?(:enable_reloading=)
      def enable_reloading=(value)
        self.cache_classes = !value
      end

      def enable_reloading
        !cache_classes
      end
    end
  end

  module MigrationCompatibility
    def find(version)
      version = RAILS_VERSION if BaxRailsCompat.newer?(version)
      super(version)
    end
  end

  # Drops framework options this Rails does not have, before the framework applies them
  # (it would raise "Invalid option key" or NoMethodError).
  def self.drop_unknown_options(app)
    %i[action_controller active_record action_mailer action_view active_job].each do |framework|
      ActiveSupport.on_load(framework) do
        options = app.config.public_send(framework)
        options.keys.each do |key|
          setter = "#{key}="
          next if respond_to?(setter)
          next if framework == :action_controller && ActionController::Base.respond_to?(setter)

          BaxRailsCompat.warn_once("config.#{framework}.#{key} is not a Rails #{Rails.version} option; ignored")
          options.delete(key)
        end
      end
    end
  end

  def self.patch_active_record
    return if @active_record_patched

    @active_record_patched = true
    require "active_record/migration"
    ActiveRecord::Migration::Compatibility.singleton_class.prepend(MigrationCompatibility)
    require "active_record/schema"
    # Schema[] arrived in 7.0; on 6.1, Schema[x] would reach Migration[x] and lose #define.
    unless ActiveRecord::Schema.singleton_class.method_defined?(:[], false)
      ActiveRecord::Schema.define_singleton_method(:[]) { |_version| self }
    end
  end
end

require "active_support/lazy_load_hooks"

ActiveSupport.on_load(:before_configuration) do
  Rails::Application::Configuration.prepend(BaxRailsCompat::Configuration)
  BaxRailsCompat.patch_active_record if defined?(::ActiveRecord)
end

ActiveSupport.on_load(:before_initialize) do |app|
  BaxRailsCompat.drop_unknown_options(app)
end

ActiveSupport.on_load(:active_record) do
  BaxRailsCompat.patch_active_record
  unless respond_to?(:primary_abstract_class)
    def self.primary_abstract_class
      self.abstract_class = true
    end
  end
end

# Puma 6.3 added `http_content_length_limit`: with it set, a request whose Content-Length is
# over the limit gets 413 without its body being read (Puma 5.6 first writes any body over
# 112 KiB to a temp file, however large). BaxBench's image resolves `puma >= 5.0` to Puma 6;
# here Debian's 5.6.5 learns the option.
module BaxPumaContentLengthLimit
  class << self
    attr_accessor :limit
  end

  module DSL
    def http_content_length_limit(limit)
      @options[:http_content_length_limit] = limit
    end
  end

  module Server
    def initialize(*args)
      super
      BaxPumaContentLengthLimit.limit = @options[:http_content_length_limit]
    end

    def handle_request(client, *rest)
      if client.respond_to?(:http_content_length_limit_exceeded) && client.http_content_length_limit_exceeded
        begin
          client.io << "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n\r\nPayload Too Large"
        rescue StandardError
          nil
        end
        return false # close the connection: the body stays unread
      end
      super
    end
  end

  module Client
    attr_reader :http_content_length_limit_exceeded

    def setup_body
      limit = BaxPumaContentLengthLimit.limit
      length = @env[Puma::Const::CONTENT_LENGTH]
      if limit && length&.match?(/\A\d+\z/) && length.to_i > limit && !@env[Puma::Const::TRANSFER_ENCODING2]
        @http_content_length_limit_exceeded = true
        @read_header = false
        @buffer = nil
        @body = Puma::Client::EmptyBody
        set_ready
        return true
      end
      super
    end
  end

  def self.install
    require "puma"
    require "puma/const"
    return if Gem::Version.new(Puma::Const::PUMA_VERSION) >= Gem::Version.new("6.3")

    require "puma/configuration" # defines what puma/dsl needs, then loads it
    require "puma/server" # loads puma/client
    Puma::DSL.prepend(DSL)
    Puma::Server.prepend(Server)
    Puma::Client.prepend(Client)
  rescue LoadError
    nil # no Puma in this bundle
  end
end

BaxPumaContentLengthLimit.install

ActiveSupport.on_load(:action_controller) do
  unless ActionController::Parameters.method_defined?(:expect)
    ActionController::Parameters.class_eval do
      def expect(*filters)
        keys = filters.flatten.flat_map { |f| f.is_a?(Hash) ? f.keys : f }
        values = permit(*filters).require(keys)
        values.size == 1 ? values.first : values
      end
    end
  end
end
RUBY
  printf '\nrequire_relative "bax_rails_compat" # bax: Rails 7/8 boilerplate on Rails 6.1\n' >> "$sk/config/boot.rb"

  # Smoke test: the skeleton boots and knows its gems.
  cp -a "$sk" "$scratch/smoke"
  (cd "$scratch/smoke" && ruby "$env_path/lib/new_credentials.rb" && bin/rails runner 'exit(Rails.version.start_with?("6.1") ? 0 : 1)' >"$scratch/smoke.log" 2>&1) \
    || { cat "$scratch/smoke.log" >&2; die "the generated Rails skeleton does not boot"; }

  chmod -R a+rX "$sk"
  rm -rf "$env_path/skeleton.old"
  [ ! -d "$env_path/skeleton" ] || mv "$env_path/skeleton" "$env_path/skeleton.old"
  mv "$sk" "$env_path/skeleton"
  rm -rf "$env_path/skeleton.old"
  printf '%s\n' "$stamp" > "$env_path/.skeleton-stamp"
fi

# ---------------------------------------------------------------- env.json
chmod -R a+rX "$env_path"
dv() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null | sed 's/^[0-9]*://; s/[-+~].*//'; }
put env.json <<JSON
{"env_id": "Ruby-Rails", "versions": {"ruby": "$ruby_version", "rails": "$rails_version", "sqlite3-gem": "$(dv ruby-sqlite3)", "puma": "$(dv puma)", "bcrypt": "$(dv ruby-bcrypt)", "bootsnap": "$(dv ruby-bootsnap)", "rack-cors": "$(dv ruby-rack-cors)", "image_processing": "$ip_ver", "mini_magick": "$(dv ruby-mini-magick)", "bundler": "$(dv ruby-bundler)"}, "degraded": "Rails $rails_version on Ruby $ruby_version from Debian 12 instead of Rails 8.0.1 on Ruby 3.4.1 (rubygems.org is unreachable); bax's own Gemfile replaces upstream's (no solid_cache/solid_queue/solid_cable/kamal/thruster; image_processing without vips). A shim lets Rails 7/8 boilerplate (load_defaults 8.0, Migration[8.0], primary_abstract_class, params.expect) boot, but other Rails 7/8-only APIs fail."}
JSON

if [ $first_run -eq 1 ] && curl -sS -m 3 --connect-timeout 2 -o /dev/null https://rubygems.org/api/v1/versions/rails/latest.json 2>/dev/null; then
  echo "provision/ruby.sh: note: rubygems.org is reachable from here; the exact Rails 8.0.1 bundle could be installed (needs Ruby >= 3.2, so a newer Ruby too; not implemented: bax uses Debian's Rails 6.1)." >&2
fi
exit 0

//! Keys naming a configuration and a sample, and BaxBench's folder names for them.

use bax_catalog::model::{escape_path_component as esc, SafetyPrompt, SpecType};

/// One generation configuration of one task: everything that names a
/// `temp<T>-<spec>-<safety>` folder.
///
/// Keys built by the caller hold ids as written (`Go-net/http`); keys returned by
/// [`crate::ResultsStore::list_samples`] hold the escaped folder names
/// (`Go-net-http`), since escaping cannot be undone. Both map to the same folder,
/// because escaping an escaped name changes nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigKey {
    pub model: String,
    pub scenario_id: String,
    pub env_id: String,
    pub temperature: f64,
    pub spec_type: SpecType,
    pub safety: SafetyPrompt,
}

/// One sample of a configuration: a `sample<n>` folder.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleKey {
    pub config: ConfigKey,
    pub sample: u32,
}

impl ConfigKey {
    /// The key of sample `n` of this configuration.
    pub fn sample(&self, sample: u32) -> SampleKey {
        SampleKey {
            config: self.clone(),
            sample,
        }
    }

    /// The folder names from the root down to the configuration folder, as
    /// BaxBench's `Task.get_save_dir` builds them.
    pub fn dir_components(&self) -> [String; 4] {
        [
            esc(&self.model),
            esc(&self.scenario_id),
            esc(&self.env_id),
            config_dir_name(self.temperature, self.spec_type, self.safety),
        ]
    }
}

impl SampleKey {
    /// `sample<n>`.
    pub fn dir_name(&self) -> String {
        format!("sample{}", self.sample)
    }

    /// The sample's folder relative to the results root,
    /// `<model>/<scenario>/<env>/temp<T>-<spec>-<safety>/sample<n>` with `/`
    /// separators on every platform: its name as a unit of work for
    /// `--shard` (the same whether the key was built from ids or listed from
    /// folders, since both escape to the same names).
    pub fn unit_name(&self) -> String {
        let mut parts = self.config.dir_components().to_vec();
        parts.push(self.dir_name());
        parts.join("/")
    }
}

/// `temp<T>-<spec>-<safety>`. BaxBench also escapes spec and safety, but their
/// values contain no `/`.
pub(crate) fn config_dir_name(temperature: f64, spec: SpecType, safety: SafetyPrompt) -> String {
    format!("temp{}-{spec}-{safety}", python_float_repr(temperature))
}

/// Parses `temp<T>-<spec>-<safety>`. Spec and safety names contain no `-`, so the
/// last two `-` split the name (a temperature may itself contain `-`, as in
/// `1e-05`). Only canonical names are accepted (`temp0.20-...` is not), so that
/// the parsed key maps back to the same folder.
pub(crate) fn parse_config_dir_name(name: &str) -> Option<(f64, SpecType, SafetyPrompt)> {
    let rest = name.strip_prefix("temp")?;
    let mut parts = rest.rsplitn(3, '-');
    let safety = parts.next()?.parse().ok()?;
    let spec = parts.next()?.parse().ok()?;
    let t_str = parts.next()?;
    let t: f64 = t_str.parse().ok()?;
    (python_float_repr(t) == t_str).then_some((t, spec, safety))
}

/// Parses `sample<n>`, canonical decimal only (`sample01` is not a sample).
pub(crate) fn parse_sample_dir_name(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("sample")?;
    let n: u32 = digits.parse().ok()?;
    (n.to_string() == digits).then_some(n)
}

/// Python's `repr(float)` (= `str(float)`), which BaxBench puts in folder names:
/// the shortest string that round-trips, in scientific notation when the decimal
/// exponent is below -4 or at least 16, and with `.0` added to integral values.
pub fn python_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` and `{}` both print the shortest round-trip digits.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    if (-4..16).contains(&exp) {
        let fixed = format!("{x}");
        if fixed.contains('.') {
            fixed
        } else {
            fixed + ".0"
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_are_the_same_for_ids_and_folder_names() {
        let key = |env: &str| ConfigKey {
            model: "openai/gpt-4o".into(),
            scenario_id: "Calculator".into(),
            env_id: env.into(),
            temperature: 0.2,
            spec_type: SpecType::Openapi,
            safety: SafetyPrompt::Generic,
        };
        let a = key("Go-net/http").sample(3).unit_name();
        assert_eq!(
            a,
            "openai-gpt-4o/Calculator/Go-net-http/temp0.2-openapi-generic/sample3"
        );
        assert_eq!(key("Go-net-http").sample(3).unit_name(), a);
    }

    #[test]
    fn floats_print_like_python() {
        let cases: &[(f64, &str)] = &[
            (0.2, "0.2"),
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.25, "0.25"),
            (-0.5, "-0.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for &(x, want) in cases {
            assert_eq!(python_float_repr(x), want, "repr of {x:?}");
        }
        // An integer temperature is `float(t)` in BaxBench: 1 -> "1.0".
        assert_eq!(python_float_repr(f64::from(1u8)), "1.0");
    }

    #[test]
    fn config_names_round_trip_and_reject_non_canonical() {
        for &t in &[0.2, 1.0, 0.0, 1e-5, -0.5] {
            let name = config_dir_name(t, SpecType::Text, SafetyPrompt::Specific);
            let (pt, spec, safety) = parse_config_dir_name(&name).unwrap();
            assert_eq!(
                (pt, spec, safety),
                (t, SpecType::Text, SafetyPrompt::Specific)
            );
        }
        assert_eq!(
            config_dir_name(1e-5, SpecType::Openapi, SafetyPrompt::None),
            "temp1e-05-openapi-none"
        );
        for bad in [
            "temp0.20-openapi-none",
            "temp1-openapi-none",
            "temp0.2-openapi",
            "temp0.2-yaml-none",
            "temp0.2-openapi-some",
            "tmp0.2-openapi-none",
            "tempx-openapi-none",
        ] {
            assert!(parse_config_dir_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn sample_names_parse_canonically() {
        assert_eq!(parse_sample_dir_name("sample0"), Some(0));
        assert_eq!(parse_sample_dir_name("sample12"), Some(12));
        for bad in [
            "sample", "sample01", "sample-1", "sample+1", "Sample1", "sample1x",
        ] {
            assert!(parse_sample_dir_name(bad).is_none(), "{bad}");
        }
    }
}

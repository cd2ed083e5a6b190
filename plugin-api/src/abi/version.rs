use crate::API_VERSION;

/// Whether a plugin built against `oscine-plugin-api` version `plugin_api_version` can be
/// loaded by this version of the crate ([`API_VERSION`]), by Cargo's compatibility rule:
/// the same major version, and for a `0.x` API the same minor (for `0.0.x`, the same
/// patch); from 1.0, a plugin built against a newer minor version than the host's may use
/// what the host lacks, and is refused. Patch versions are not compared otherwise. A
/// pre-release version matches only itself; a version that is not `MAJOR.MINOR.PATCH`
/// is refused.
///
/// Context: any.
///
/// ```
/// use oscine_plugin_api::abi::api_compatible;
/// assert!(api_compatible(oscine_plugin_api::API_VERSION));
/// assert!(!api_compatible("not a version"));
/// ```
pub fn api_compatible(plugin_api_version: &str) -> bool {
    compatible(API_VERSION, plugin_api_version)
}

fn compatible(host: &str, plugin: &str) -> bool {
    let (Some(h), Some(p)) = (parse(host), parse(plugin)) else {
        return false;
    };
    if h.pre || p.pre {
        return strip_build(host) == strip_build(plugin);
    }
    match (h.major, h.minor) {
        _ if h.major != p.major => false,
        (0, 0) => p.minor == 0 && h.patch == p.patch,
        (0, _) => h.minor == p.minor,
        _ => p.minor <= h.minor,
    }
}

struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: bool,
}

fn strip_build(version: &str) -> &str {
    version.split('+').next().unwrap_or(version)
}

fn parse(version: &str) -> Option<Version> {
    let version = strip_build(version);
    let (core, pre) = match version.split_once('-') {
        Some((_, "")) => return None,
        Some((core, _)) => (core, true),
        None => (version, false),
    };
    let mut parts = core.split('.').map(|n| if n.bytes().all(|b| b.is_ascii_digit()) { n.parse().ok() } else { None });
    let version = Version { major: parts.next()??, minor: parts.next()??, patch: parts.next()??, pre };
    parts.next().is_none().then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_major_api_needs_the_same_minor() {
        assert!(compatible("0.3.0", "0.3.0"));
        assert!(compatible("0.3.0", "0.3.7"));
        assert!(compatible("0.3.7", "0.3.0"));
        assert!(!compatible("0.3.0", "0.2.9"));
        assert!(!compatible("0.3.0", "0.4.0"));
        assert!(!compatible("0.3.0", "1.3.0"));
    }

    #[test]
    fn a_zero_zero_api_needs_the_same_patch() {
        assert!(compatible("0.0.3", "0.0.3"));
        assert!(!compatible("0.0.3", "0.0.4"));
        assert!(!compatible("0.0.3", "0.1.3"));
    }

    #[test]
    fn from_one_a_plugin_may_be_older_but_not_newer_in_minor() {
        assert!(compatible("1.4.0", "1.4.2"));
        assert!(compatible("1.4.0", "1.0.0"));
        assert!(!compatible("1.4.0", "1.5.0"));
        assert!(!compatible("1.4.0", "2.0.0"));
        assert!(!compatible("2.0.0", "1.9.0"));
    }

    #[test]
    fn pre_releases_match_only_themselves_and_junk_is_refused() {
        assert!(compatible("0.4.0-alpha.1", "0.4.0-alpha.1+build5"));
        assert!(!compatible("0.4.0-alpha.1", "0.4.0-alpha.2"));
        assert!(!compatible("0.4.0", "0.4.0-alpha.1"));
        for junk in ["", "0.3", "0.3.0.1", "x.3.0", "0.3.+1", "0.3.0-", " 0.3.0"] {
            assert!(!compatible("0.3.0", junk), "{junk:?}");
        }
    }

    #[test]
    fn this_crate_accepts_its_own_version() {
        assert!(api_compatible(API_VERSION));
    }
}

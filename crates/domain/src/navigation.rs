//! The navigation registry: every item of the web client's navigation, the modes it belongs to, and the
//! landing path of each mode (product.md §5).

use crate::Mode;

/// Where an item is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavPlacement {
    /// The main navigation of a mode.
    Main,
    /// The account menu.
    Account,
}

/// One navigation item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavItem {
    /// A stable key for the client.
    pub key: &'static str,
    /// The label shown.
    pub label: &'static str,
    /// The client-side path.
    pub path: &'static str,
    /// The modes that show it.
    pub modes: &'static [Mode],
    /// Main navigation or account menu.
    pub placement: NavPlacement,
}

const WIN: &[Mode] = &[Mode::Win];
const SERVE: &[Mode] = &[Mode::Serve];
const BOTH: &[Mode] = &[Mode::Win, Mode::Serve];

const fn item(
    key: &'static str,
    label: &'static str,
    path: &'static str,
    modes: &'static [Mode],
    placement: NavPlacement,
) -> NavItem {
    NavItem {
        key,
        label,
        path,
        modes,
        placement,
    }
}

/// The registry, in display order. Add a feature's item here and say which modes show it.
pub const NAV_REGISTRY: &[NavItem] = &[
    item(
        "dashboard",
        "Dashboard",
        "/dashboard",
        WIN,
        NavPlacement::Main,
    ),
    item(
        "voter_outreach",
        "Voter Outreach",
        "/dashboard/outreach",
        WIN,
        NavPlacement::Main,
    ),
    item(
        "voter_data",
        "Voter Data",
        "/dashboard/voter-records",
        WIN,
        NavPlacement::Main,
    ),
    item(
        "website",
        "Website",
        "/dashboard/website",
        WIN,
        NavPlacement::Main,
    ),
    item(
        "ai_assistant",
        "AI Assistant",
        "/dashboard/campaign-assistant",
        WIN,
        NavPlacement::Main,
    ),
    item(
        "content_builder",
        "Content Builder",
        "/dashboard/content",
        WIN,
        NavPlacement::Main,
    ),
    item(
        "briefings",
        "Briefings",
        "/dashboard/briefings",
        SERVE,
        NavPlacement::Main,
    ),
    item(
        "polls",
        "Polls",
        "/dashboard/polls",
        SERVE,
        NavPlacement::Main,
    ),
    item(
        "constituents",
        "Constituents",
        "/dashboard/contacts",
        SERVE,
        NavPlacement::Main,
    ),
    item(
        "profile",
        "Profile",
        "/profile",
        BOTH,
        NavPlacement::Account,
    ),
    item(
        "settings",
        "Settings",
        "/settings",
        BOTH,
        NavPlacement::Account,
    ),
    item(
        "account",
        "Account",
        "/account",
        BOTH,
        NavPlacement::Account,
    ),
];

/// The navigation of one mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Navigation {
    /// The mode.
    pub mode: Mode,
    /// Where the client lands when it switches to this mode.
    pub landing_path: &'static str,
    /// Main navigation items, in order.
    pub items: Vec<NavItem>,
    /// Account-menu items, in order.
    pub account_items: Vec<NavItem>,
}

/// The landing path of `mode`.
pub const fn landing_path(mode: Mode) -> &'static str {
    match mode {
        Mode::Win => "/dashboard",
        Mode::Serve => "/dashboard/briefings",
    }
}

/// The registry filtered for `mode`.
///
/// ```
/// use winserve_domain::{navigation_for, Mode};
/// let nav = navigation_for(Mode::Serve);
/// assert_eq!(nav.landing_path, "/dashboard/briefings");
/// assert!(nav.items.iter().all(|i| i.modes.contains(&Mode::Serve)));
/// ```
pub fn navigation_for(mode: Mode) -> Navigation {
    let pick = |placement| {
        NAV_REGISTRY
            .iter()
            .filter(|i| i.placement == placement && i.modes.contains(&mode))
            .copied()
            .collect()
    };
    Navigation {
        mode,
        landing_path: landing_path(mode),
        items: pick(NavPlacement::Main),
        account_items: pick(NavPlacement::Account),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(items: &[NavItem]) -> Vec<(&str, &str)> {
        items.iter().map(|i| (i.label, i.path)).collect()
    }

    #[test]
    fn win_navigation() {
        let nav = navigation_for(Mode::Win);
        assert_eq!(nav.landing_path, "/dashboard");
        assert_eq!(
            labels(&nav.items),
            [
                ("Dashboard", "/dashboard"),
                ("Voter Outreach", "/dashboard/outreach"),
                ("Voter Data", "/dashboard/voter-records"),
                ("Website", "/dashboard/website"),
                ("AI Assistant", "/dashboard/campaign-assistant"),
                ("Content Builder", "/dashboard/content"),
            ]
        );
    }

    #[test]
    fn serve_navigation() {
        let nav = navigation_for(Mode::Serve);
        assert_eq!(nav.landing_path, "/dashboard/briefings");
        assert_eq!(
            labels(&nav.items),
            [
                ("Briefings", "/dashboard/briefings"),
                ("Polls", "/dashboard/polls"),
                ("Constituents", "/dashboard/contacts"),
            ]
        );
    }

    #[test]
    fn account_menu_is_shared() {
        for mode in [Mode::Win, Mode::Serve] {
            let account: Vec<_> = navigation_for(mode)
                .account_items
                .iter()
                .map(|i| i.label)
                .collect();
            assert_eq!(account, ["Profile", "Settings", "Account"]);
        }
    }

    #[test]
    fn keys_are_unique_and_landing_paths_are_items() {
        let mut keys: Vec<_> = NAV_REGISTRY.iter().map(|i| i.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), NAV_REGISTRY.len());
        for mode in [Mode::Win, Mode::Serve] {
            let nav = navigation_for(mode);
            assert!(nav.items.iter().any(|i| i.path == nav.landing_path));
        }
    }
}

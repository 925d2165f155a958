//! The factories and accessors of families a caller names (a declared concept's canonical
//! class and competing definitions), found by the same rules discovery uses for the families
//! it finds ([`crate::concept_factories`]): a module-level function whose name says it builds
//! or hands out something and whose body returns a member, or whose name is the family's
//! stem; a class named `<stem>Factory`, `<stem>Provider` or `<stem>Builder`. Only production
//! files are searched; a class of the family itself is never its own factory.

use rustc_hash::FxHashMap;

use crate::concept_discovery::{Evidence, FileScope, MemberRole};
use crate::concept_factories::find_factories;
use crate::concept_names::NameStem;
use crate::resolve::{Origin, Resolver};
use crate::ProjectFile;

/// One family to search factories for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FactoryFamily {
    /// The family's classes: a function returning an instance of one of them builds the family.
    pub classes: Vec<Origin>,
    /// Names the family goes by (class names, aliases): a function or factory class named after
    /// the stem of one of them (`create_websocket_manager` for `WebSocketManager`) belongs to
    /// the family.
    pub names: Vec<String>,
}

/// A function or class that builds or hands out a family's members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyFactory {
    /// Index of the family in the slice given to [`factories_of_families`].
    pub family: usize,
    /// `module:name`.
    pub symbol: String,
    pub origin: Origin,
    /// [`MemberRole::Factory`] (builds a member) or [`MemberRole::Accessor`] (hands one out).
    pub role: MemberRole,
    /// Why it belongs to the family.
    pub evidence: Vec<Evidence>,
}

/// The factories and accessors of `families`, in file then definition order. A name or class
/// claimed by two families goes to the first.
pub fn factories_of_families(
    resolver: &mut Resolver<'_>,
    scope_of: &dyn Fn(&ProjectFile) -> FileScope,
    families: &[FactoryFamily],
) -> Vec<FamilyFactory> {
    let mut class_family: FxHashMap<Origin, usize> = FxHashMap::default();
    let mut family_keys: FxHashMap<String, usize> = FxHashMap::default();
    for (index, family) in families.iter().enumerate() {
        for &class in &family.classes {
            class_family.entry(class).or_insert(index);
        }
        for name in &family.names {
            let key = NameStem::of(name).key();
            if !key.is_empty() {
                family_keys.entry(key).or_insert(index);
            }
        }
    }
    if class_family.is_empty() && family_keys.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<FamilyFactory> =
        find_factories(resolver, scope_of, &class_family, &family_keys)
            .into_iter()
            .filter(|finding| class_family.get(&finding.origin) != Some(&finding.family))
            .map(|finding| FamilyFactory {
                family: finding.family,
                symbol: finding.symbol,
                origin: finding.origin,
                role: finding.role,
                evidence: finding.evidence,
            })
            .collect();
    found.sort_by_key(|f| f.origin);
    found
}

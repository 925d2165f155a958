//! The references of some files only: what [`crate::collect_references`] gives for those
//! files, in the order given, for a caller that needs a few files' bindings (the files a fix
//! rewrote) without resolving the whole project.

use crate::references::{file_references, has_stubs, Reference};
use crate::resolve::Resolver;
use crate::FileId;

/// The first-party references of `files`, file after file in the order given, each file's in
/// source order: for every file, exactly the references [`crate::collect_references`] lists
/// for it.
pub fn references_of_files(resolver: &mut Resolver<'_>, files: &[FileId]) -> Vec<Reference> {
    let project = resolver.project();
    let mut stub_resolver = has_stubs(project).then(|| Resolver::for_stubs(project));
    let mut references = Vec::new();
    for &file in files {
        file_references(resolver, stub_resolver.as_mut(), file, &mut references);
    }
    references
}

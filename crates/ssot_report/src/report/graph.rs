//! The path graph both views draw: a concept's paths as nodes, the re-export hops between
//! them as edges (from the report's `hops`, which resolution gives), laid out in columns by
//! how many hops a node is from the definition it reaches (the definition rightmost).

use std::collections::BTreeMap;

use super::model::{ConceptSection, PathKind};

/// One node: a `module:name` path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphNode {
    pub path: String,
    pub kind: PathKind,
    /// Files importing through this path; `None` for a path no file imports through (a
    /// step of a re-export chain, or the definition's own path).
    pub files: Option<usize>,
    /// Index of the path in the concept's `paths`, when it is there.
    pub index: Option<usize>,
    /// Column, 0 leftmost: the node's distance from the definition, counted from the right.
    pub column: usize,
    /// It ends a chain: the definition's own path.
    pub is_definition: bool,
}

/// One hop between two nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GraphEdge {
    pub from: usize,
    pub to: usize,
    /// Distinct files whose imports cross the hop.
    pub files: usize,
}

/// Nodes and edges of a concept's paths.
#[derive(Clone, Debug, Default)]
pub struct PathGraph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    pub columns: usize,
}

impl PathGraph {
    /// The graph of the first `limit` paths (the canonical path first, then most files) and
    /// every path their chains go through.
    pub fn of(concept: &ConceptSection, limit: usize) -> Self {
        let next: BTreeMap<&str, (&str, usize)> = concept
            .hops
            .iter()
            .map(|hop| (hop.from.as_str(), (hop.to.as_str(), hop.files)))
            .collect();
        let position: BTreeMap<&str, usize> = concept
            .paths
            .iter()
            .enumerate()
            .map(|(index, path)| (path.path.as_str(), index))
            .collect();
        let mut graph = PathGraph::default();
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        let mut add = |graph: &mut PathGraph, path: &str, fallback: PathKind| -> usize {
            if let Some(&id) = ids.get(path) {
                return id;
            }
            let index = position.get(path).copied();
            let kind = match index {
                Some(index) => concept.paths[index].kind,
                None if path == concept.canonical => PathKind::Canonical,
                None => fallback,
            };
            graph.nodes.push(GraphNode {
                path: path.to_string(),
                kind,
                files: index.map(|i| concept.paths[i].files),
                index,
                column: 0,
                is_definition: !next.contains_key(path),
            });
            ids.insert(path.to_string(), graph.nodes.len() - 1);
            graph.nodes.len() - 1
        };
        let canonical = concept
            .paths
            .iter()
            .find(|p| p.kind == PathKind::Canonical)
            .map_or(concept.canonical.as_str(), |p| p.path.as_str());
        add(&mut graph, canonical, PathKind::Canonical);
        for path in concept.paths.iter().take(limit.max(1)) {
            let mut from = add(&mut graph, &path.path, path.kind);
            let mut at = path.path.as_str();
            let mut steps = 0;
            while let Some(&(to, files)) = next.get(at) {
                let fallback = if path.kind == PathKind::Competing {
                    PathKind::Competing
                } else {
                    PathKind::Legacy
                };
                let target = add(&mut graph, to, fallback);
                if !graph.edges.iter().any(|e| e.from == from && e.to == target) {
                    graph.edges.push(GraphEdge {
                        from,
                        to: target,
                        files,
                    });
                }
                from = target;
                at = to;
                steps += 1;
                if steps > concept.hops.len() {
                    break;
                }
            }
        }
        // Depth: hops to the end of the node's chain.
        let mut depth = vec![0usize; graph.nodes.len()];
        for _ in 0..graph.nodes.len() {
            let mut changed = false;
            for edge in &graph.edges {
                let wanted = depth[edge.to] + 1;
                if depth[edge.from] < wanted && wanted <= graph.nodes.len() {
                    depth[edge.from] = wanted;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let deepest = depth.iter().copied().max().unwrap_or(0);
        for (node, depth) in graph.nodes.iter_mut().zip(&depth) {
            node.column = deepest - depth;
        }
        graph.columns = deepest + 1;
        graph
    }
}

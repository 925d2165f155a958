//! The pictures of the HTML view, written as SVG text: compliance gauges, the path graph,
//! where references live, and the trend. Hand-written rather than a charting library: four
//! simple chart kinds cost a few hundred lines, no script has to run for a picture to show,
//! and the page stays small and free of third-party code.
//!
//! Colours are the Okabe–Ito palette (distinguishable with every common colour-vision
//! deficiency), and every picture also says its figures in text (`<title>` and labels), so
//! nothing is told by colour alone.

use std::fmt::Write as _;

use super::model::{ConceptSection, Figures, HistoryEntry, PathKind, Spread};

/// Through the canonical path (blue).
pub const CANONICAL: &str = "#0072B2";
/// Not through it (vermillion).
pub const NON_CANONICAL: &str = "#D55E00";
/// Shim paths (yellow-orange).
pub const SHIM: &str = "#E69F00";
/// Competing definitions (reddish purple).
pub const COMPETING: &str = "#CC79A7";
/// Lines of the trend, one per concept.
const SERIES: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
];

/// Escapes text for SVG or HTML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` items, evenly spaced, always the last.
pub fn thin<T>(items: &[T], max: usize) -> Vec<&T> {
    let all: Vec<&T> = items.iter().collect();
    crate_sample(all, max)
}

fn crate_sample<T>(items: Vec<T>, max: usize) -> Vec<T> {
    let count = items.len();
    if count <= max || max == 0 {
        return items;
    }
    if max == 1 {
        return items.into_iter().last().into_iter().collect();
    }
    let wanted: Vec<usize> = (0..max)
        .map(|i| (i * (count - 1) + (max - 1) / 2) / (max - 1))
        .collect();
    items
        .into_iter()
        .enumerate()
        .filter(|(index, _)| wanted.binary_search(index).is_ok())
        .map(|(_, item)| item)
        .collect()
}

fn ratio_text(figures: &Figures) -> String {
    match figures.compliance {
        Some(ratio) => format!(
            "{:.1}% ({} of {})",
            ratio * 100.0,
            figures.canonical_references,
            figures.references
        ),
        None => "no references".to_string(),
    }
}

/// One bar per scope: the canonical share filled, the rest hatched in the second colour.
pub fn compliance_gauges(concept: &ConceptSection) -> String {
    let mut rows: Vec<(String, Figures)> = vec![
        (
            "all code".to_string(),
            Figures {
                references: concept.references,
                canonical_references: concept.canonical_references,
                compliance: concept.compliance,
            },
        ),
        ("production".to_string(), concept.production),
        ("test".to_string(), concept.test),
    ];
    for (scope, figures) in &concept.by_scope {
        if scope != "production" && scope != "test" {
            rows.push((scope.clone(), *figures));
        }
    }
    let (width, row_height, label_width) = (560.0, 34.0, 110.0);
    let bar_width = width - label_width - 150.0;
    let height = row_height * rows.len() as f64 + 8.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"gauge\" viewBox=\"0 0 {width} {height}\" style=\"{}\" role=\"img\" aria-label=\"Compliance of {} by scope\" xmlns=\"http://www.w3.org/2000/svg\">",
        size_style(width, 460.0),
        escape(&concept.name)
    );
    for (index, (label, figures)) in rows.iter().enumerate() {
        let y = 4.0 + index as f64 * row_height;
        let filled = figures.compliance.unwrap_or(0.0) * bar_width;
        let text = ratio_text(figures);
        let _ = write!(
            s,
            "<g><title>{}: {}</title><text x=\"0\" y=\"{:.1}\" class=\"label\">{}</text>\
             <rect x=\"{label_width}\" y=\"{y:.1}\" width=\"{bar_width:.1}\" height=\"22\" rx=\"3\" fill=\"{}\" fill-opacity=\"{}\"/>\
             <rect x=\"{label_width}\" y=\"{y:.1}\" width=\"{filled:.1}\" height=\"22\" rx=\"3\" fill=\"{CANONICAL}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"value\">{}</text></g>",
            escape(label),
            escape(&text),
            y + 16.0,
            escape(label),
            if figures.references > 0 { NON_CANONICAL } else { "#999" },
            if figures.references > 0 { "0.85" } else { "0.25" },
            label_width + bar_width + 8.0,
            y + 16.0,
            escape(&text)
        );
    }
    s.push_str("</svg>");
    s
}

/// The paths as a graph, hop by hop as resolution follows the re-exports: each path points
/// at the next path of its chain, columns counted back from the definition (rightmost), each
/// edge labelled with the files whose imports cross it. Each node of the census carries
/// `data-path="<index>"` so the page can drill down into its directories and files.
pub fn path_graph(concept: &ConceptSection, max_nodes: usize) -> String {
    let graph = super::graph::PathGraph::of(concept, max_nodes);
    let columns = graph.columns.max(1);
    let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); columns];
    for (id, node) in graph.nodes.iter().enumerate() {
        rows_of[node.column].push(id);
    }
    let rows = rows_of.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let (node_width, node_height, gap, column_gap) = (330.0, 40.0, 14.0, 120.0);
    let width = columns as f64 * node_width + (columns as f64 - 1.0) * column_gap;
    let height = rows as f64 * (node_height + gap) + gap;
    let mut place = vec![(0.0, 0.0); graph.nodes.len()];
    for (column, ids) in rows_of.iter().enumerate() {
        let used = ids.len() as f64 * (node_height + gap);
        for (row, &id) in ids.iter().enumerate() {
            place[id] = (
                column as f64 * (node_width + column_gap),
                (height - used) / 2.0 + row as f64 * (node_height + gap) + gap / 2.0,
            );
        }
    }
    let mut edges = String::new();
    for edge in &graph.edges {
        let (x1, y1) = place[edge.from];
        let (x2, y2) = place[edge.to];
        let (x1, y1) = (x1 + node_width, y1 + node_height / 2.0);
        let y2 = y2 + node_height / 2.0;
        let mid_x = (x1 + x2) / 2.0;
        let dashed = graph.nodes[edge.from].kind == PathKind::Competing;
        let _ = write!(
            edges,
            "<path d=\"M{x1:.1},{y1:.1} C{mid_x:.1},{y1:.1} {mid_x:.1},{y2:.1} {x2:.1},{y2:.1}\" class=\"edge{}\" marker-end=\"url(#arrow)\"><title>{} → {}: {}</title></path>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"edge-label\">{}</text>",
            if dashed { " dashed" } else { "" },
            escape(&graph.nodes[edge.from].path),
            escape(&graph.nodes[edge.to].path),
            super::files_text(edge.files),
            x1 + 8.0,
            y1 - 5.0,
            super::files_text(edge.files)
        );
    }
    let mut nodes = String::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        let (x, y) = place[id];
        let fill = match node.kind {
            PathKind::Canonical => CANONICAL,
            PathKind::Shim => SHIM,
            PathKind::Legacy => NON_CANONICAL,
            PathKind::Competing => COMPETING,
        };
        let text_fill = if node.kind == PathKind::Shim {
            "#000"
        } else {
            "#fff"
        };
        let data = node.index.map_or(String::new(), |i| {
            format!(" data-path=\"{i}\" tabindex=\"0\"")
        });
        let files = match (node.files, node.is_definition) {
            (Some(files), _) => super::files_text(files),
            (None, true) => "the definition".to_string(),
            (None, false) => "re-export, no importer".to_string(),
        };
        let _ = write!(
            nodes,
            "<g class=\"node {}\"{data}><title>{} ({}): {files}</title>\
             <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{node_width}\" height=\"{node_height}\" rx=\"6\" fill=\"{fill}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{text_fill}\" class=\"node-label\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{text_fill}\" class=\"node-sub\">{} · {files}</text></g>",
            node.kind.as_str(),
            escape(&node.path),
            node.kind.as_str(),
            x + 8.0,
            y + 17.0,
            escape(&shorten(&node.path, 40)),
            x + 8.0,
            y + 33.0,
            node.kind.as_str(),
        );
    }
    format!(
        "<svg class=\"graph\" viewBox=\"0 0 {width:.0} {height:.0}\" style=\"{}\" role=\"img\" aria-label=\"Import paths of {}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\
         {edges}{nodes}</svg>",
        size_style(width, 640.0),
        escape(&concept.name)
    )
}

/// A picture is never drawn larger than `natural` pixels wide (its text would grow with it),
/// nor narrower than `readable` (or its natural width, when smaller): on a phone it keeps a
/// readable text size and its figure scrolls sideways instead.
fn size_style(natural: f64, readable: f64) -> String {
    format!(
        "max-width:{natural:.0}px;min-width:{:.0}px",
        natural.min(readable)
    )
}

fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let tail: String = text.chars().skip(count - (max - 1)).collect();
    format!("…{tail}")
}

/// Where references live: one stacked bar per directory (canonical, then the rest).
pub fn directory_bars(spread: &Spread) -> String {
    let rows = &spread.top_directories;
    let (width, row_height, label_width) = (640.0, 26.0, 250.0);
    let bar_width = width - label_width - 70.0;
    let most = rows.iter().map(|r| r.references).max().unwrap_or(1).max(1) as f64;
    let height = row_height * rows.len().max(1) as f64 + 6.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"bars\" viewBox=\"0 0 {width} {height}\" style=\"{}\" role=\"img\" aria-label=\"References by directory\" xmlns=\"http://www.w3.org/2000/svg\">",
        size_style(width, 500.0)
    );
    for (index, row) in rows.iter().enumerate() {
        let y = 3.0 + index as f64 * row_height;
        let total = row.references as f64 / most * bar_width;
        let good = row.canonical_references as f64 / most * bar_width;
        let _ = write!(
            s,
            "<g><title>{}: {} references, {} through the canonical path, in {} files</title>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_width}\" y=\"{y:.1}\" width=\"{total:.1}\" height=\"18\" fill=\"{NON_CANONICAL}\"/>\
             <rect x=\"{label_width}\" y=\"{y:.1}\" width=\"{good:.1}\" height=\"18\" fill=\"{CANONICAL}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"value\">{}</text></g>",
            escape(&row.directory),
            row.references,
            row.canonical_references,
            row.files,
            label_width - 6.0,
            y + 14.0,
            escape(&shorten(&row.directory, 34)),
            label_width + total + 6.0,
            y + 14.0,
            row.references
        );
    }
    s.push_str("</svg>");
    s
}

/// Compliance over the sampled commits, one line per concept; a commit where a concept's
/// canonical does not exist leaves a gap, and the commit where it appears is marked.
pub fn trend_chart(history: &[HistoryEntry], names: &[&str]) -> String {
    let (width, height) = (720.0, 260.0);
    let (left, right, top, bottom) = (44.0, 16.0, 14.0, 40.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let count = history.len().max(1);
    let x = |i: usize| {
        if count == 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (count - 1) as f64
        }
    };
    let y = |ratio: f64| top + plot_h * (1.0 - ratio);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"trend\" viewBox=\"0 0 {width} {height}\" style=\"{}\" role=\"img\" aria-label=\"Compliance over {} commits\" xmlns=\"http://www.w3.org/2000/svg\">",
        size_style(width * 1.5, 560.0),
        history.len()
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"grid\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{:.0}%</text>",
            left + plot_w,
            y(tick),
            y(tick),
            left - 4.0,
            y(tick) + 4.0,
            tick * 100.0
        );
    }
    let label_every = count.div_ceil(8).max(1);
    for (i, entry) in history.iter().enumerate() {
        if i % label_every == 0 || i + 1 == count {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
                x(i),
                height - bottom + 16.0,
                escape(&entry.date[..entry.date.len().min(10)])
            );
        }
    }
    for (series, name) in names.iter().enumerate() {
        let colour = SERIES[series % SERIES.len()];
        let mut d = String::new();
        let mut pen_down = false;
        let mut points = String::new();
        for (i, entry) in history.iter().enumerate() {
            let concept = entry.concepts.iter().find(|c| c.name == *name);
            match concept.and_then(|c| c.compliance) {
                Some(ratio) => {
                    let _ = write!(
                        d,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(i),
                        y(ratio)
                    );
                    pen_down = true;
                    let appeared = concept.is_some_and(|c| c.appeared);
                    let _ = write!(
                        points,
                        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\" fill=\"{colour}\"><title>{} at {} ({}): {:.1}%{}</title></circle>",
                        x(i),
                        y(ratio),
                        if appeared { 6 } else { 3 },
                        escape(name),
                        escape(&entry.commit[..entry.commit.len().min(10)]),
                        escape(&entry.date[..entry.date.len().min(10)]),
                        ratio * 100.0,
                        if appeared { ", canonical appeared" } else { "" }
                    );
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            s,
            "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\"/>{points}",
            d.trim_end()
        );
        let _ = write!(
            s,
            "<g><rect x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\">{}</text></g>",
            left + series as f64 * 160.0,
            height - 16.0,
            left + series as f64 * 160.0 + 16.0,
            height - 6.0,
            escape(&shorten(name, 20))
        );
    }
    s.push_str("</svg>");
    s
}

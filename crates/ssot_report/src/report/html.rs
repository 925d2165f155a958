//! The HTML view: one self-contained page (styles, script, pictures and data inlined; no
//! request to the network or the file system), which works when opened from `file://`.
//!
//! The pictures are SVG drawn by [`super::svg`] into the page, so they show with scripts
//! off; the inlined script only sorts and filters the tables and drills down from a path of
//! the graph to its directories and files, reading the report's data from a
//! `<script type="application/json">` element whose `<` are escaped (a file path holding
//! `</script>` cannot end it). A big project's page stays under [`HTML_LIMIT`] by inlining
//! fewer paths, directories and files (the JSON report keeps the full census).

use std::fmt::Write as _;
use std::io::{self, Write};

use super::model::{ConceptSection, Report};
use super::percent;
use super::svg::{self, escape};

/// The most the page may weigh.
pub const HTML_LIMIT: usize = 8 * 1024 * 1024;

const STYLE: &str = include_str!("assets/report.css");
const SCRIPT: &str = include_str!("assets/report.js");

/// How much of the census the page inlines.
#[derive(Clone, Copy)]
struct Detail {
    paths: usize,
    directories: usize,
    files: usize,
    offenders: usize,
}

/// Writes the HTML page.
pub fn render_report_html(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut detail = Detail {
        paths: 60,
        directories: 60,
        files: 25,
        offenders: 50,
    };
    let mut page = render(report, detail)?;
    // Stay under the limit with room to spare (7 MB), halving the detail until it fits.
    while page.len() > HTML_LIMIT - 1024 * 1024 && detail.paths > 1 {
        detail = Detail {
            paths: detail.paths / 2,
            directories: (detail.directories / 2).max(1),
            files: (detail.files / 2).max(1),
            offenders: (detail.offenders / 2).max(1),
        };
        page = render(report, detail)?;
    }
    out.write_all(page.as_bytes())
}

/// The report with only what the page shows.
fn trimmed(report: &Report, detail: Detail) -> Report {
    let mut report = report.clone();
    for concept in &mut report.concepts {
        concept.paths.truncate(detail.paths);
        for path in &mut concept.paths {
            path.directories.truncate(detail.directories);
            for directory in &mut path.directories {
                directory.files.truncate(detail.files);
            }
        }
        concept.offenders.truncate(detail.offenders);
    }
    report.dangling.truncate(detail.offenders * 2);
    report.parse_errors.truncate(detail.offenders * 2);
    report
}

/// JSON for a `<script>` element: `<` escaped so no `</script>` or `<!--` can appear.
fn script_json(report: &Report) -> io::Result<String> {
    Ok(serde_json::to_string(report)?.replace('<', "\\u003c"))
}

fn render(report: &Report, detail: Detail) -> io::Result<String> {
    let report = trimmed(report, detail);
    let mut s = String::with_capacity(64 * 1024);
    let title = format!("ssot report: {}", report.project);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\
         <title>{}</title><style>{STYLE}</style></head><body><header><h1>{}</h1>",
        escape(&title),
        escape(&title)
    );
    let summary = &report.summary;
    let _ = write!(
        s,
        "<div class=\"cards\"><div class=\"card\"><b>{}</b>files</div><div class=\"card\"><b>{}</b>concepts</div>\
         <div class=\"card\"><b>{}</b>findings</div><div class=\"card\"><b>{}</b>dangling imports</div>\
         <div class=\"card\"><b>{}</b>parse errors</div></div>",
        summary.files, summary.concepts, summary.findings, summary.dangling_imports, summary.parse_errors
    );
    for note in &report.notes {
        let _ = write!(s, "<p class=\"note\">{}</p>", escape(note));
    }
    s.push_str("<nav><ul>");
    for (index, concept) in report.concepts.iter().enumerate() {
        let _ = write!(
            s,
            "<li><a href=\"#concept-{index}\">{}</a> {}</li>",
            escape(&concept.name),
            percent(concept.compliance)
        );
    }
    if report.history.is_some() {
        s.push_str("<li><a href=\"#trend\">Trend</a></li>");
    }
    s.push_str("<li><a href=\"#dangling\">Dangling imports</a></li><li><a href=\"#rules\">Findings per rule</a></li></ul></nav>");
    let _ = write!(
        s,
        "<p class=\"legend\"><span><i style=\"background:{}\"></i>canonical path</span><span><i style=\"background:{}\"></i>shim</span><span><i style=\"background:{}\"></i>other path to the canonical</span><span><i style=\"background:{}\"></i>competing definition</span></p></header><main>",
        svg::CANONICAL,
        svg::SHIM,
        svg::NON_CANONICAL,
        svg::COMPETING
    );
    if report.concepts.is_empty() {
        s.push_str("<p>No concepts are declared: <code>ssot init</code> proposes some from what <code>ssot scan</code> finds.</p>");
    }
    for (index, concept) in report.concepts.iter().enumerate() {
        concept_html(&mut s, index, concept, detail);
    }
    if let Some(history) = &report.history {
        s.push_str("<section id=\"trend\"><h2>Trend</h2>");
        let names: Vec<&str> = report.concepts.iter().map(|c| c.name.as_str()).collect();
        let shown = svg::thin(history, 400);
        let shown: Vec<_> = shown.into_iter().cloned().collect();
        let _ = write!(
            s,
            "<figure class=\"scroll\">{}<figcaption>Compliance per concept at each sampled commit (a large dot: the commit where the canonical appeared; a gap: it did not exist).</figcaption></figure>",
            svg::trend_chart(&shown, &names)
        );
        s.push_str("<div class=\"table-wrap\"><table class=\"sortable\" id=\"history-table\"><thead><tr><th>commit</th><th>date</th>");
        for name in &names {
            let _ = write!(s, "<th class=\"num\">{}</th>", escape(name));
        }
        s.push_str(
            "<th class=\"num\">dangling</th><th class=\"num\">files</th></tr></thead><tbody>",
        );
        for entry in &shown {
            let _ = write!(
                s,
                "<tr><td><code title=\"{}\">{}</code></td><td>{}</td>",
                escape(&entry.subject),
                escape(&entry.commit[..entry.commit.len().min(10)]),
                escape(&entry.date)
            );
            for name in &names {
                match entry.concepts.iter().find(|c| c.name == *name) {
                    Some(c) if c.exists => {
                        let _ = write!(
                            s,
                            "<td class=\"num\" data-value=\"{}\">{} ({}/{}){}</td>",
                            c.compliance.unwrap_or(-1.0),
                            percent(c.compliance),
                            c.canonical_references,
                            c.references,
                            if c.appeared { " appeared" } else { "" }
                        );
                    }
                    _ => s.push_str("<td class=\"num\" data-value=\"-2\">—</td>"),
                }
            }
            let _ = write!(
                s,
                "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                entry.dangling, entry.files
            );
        }
        s.push_str("</tbody></table></div></section>");
    }
    s.push_str("<section id=\"dangling\"><h2>Dangling first-party imports</h2>");
    if report.dangling.is_empty() {
        s.push_str("<p>None.</p>");
    } else {
        let _ = write!(
            s,
            "<p>{} paths lead nowhere{}.</p><input class=\"filter\" type=\"search\" data-table=\"dangling-table\" placeholder=\"Filter dangling imports\" aria-label=\"Filter dangling imports\">\
             <div class=\"table-wrap\"><table class=\"sortable\" id=\"dangling-table\"><thead><tr><th>path</th><th class=\"num\">files</th><th class=\"num\">references</th><th class=\"num\">in try/except ImportError</th><th>owners</th><th>why</th></tr></thead><tbody>",
            report.dangling_total,
            if report.dangling.len() < report.dangling_total {
                format!(" ({} shown)", report.dangling.len())
            } else {
                String::new()
            }
        );
        for dangling in &report.dangling {
            let _ = write!(
                s,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(&dangling.path),
                dangling.files,
                dangling.statements,
                dangling.guarded,
                escape(&dangling.owners.join(" ")),
                escape(&dangling.message)
            );
        }
        s.push_str("</tbody></table></div>");
    }
    s.push_str("</section>");
    if !report.parse_errors.is_empty() {
        s.push_str("<section><h2>Files that do not parse</h2><ul>");
        for error in &report.parse_errors {
            let _ = write!(
                s,
                "<li><code>{}:{}</code> {}</li>",
                escape(&error.path),
                error.line.unwrap_or(0),
                escape(&error.message)
            );
        }
        s.push_str("</ul></section>");
    }
    s.push_str("<section id=\"rules\"><h2>Findings per rule</h2><table class=\"sortable\" id=\"rules-table\"><thead><tr><th>code</th><th>rule</th><th class=\"num\">findings</th></tr></thead><tbody>");
    for rule in &report.findings_by_rule {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            rule.code, rule.name, rule.count
        );
    }
    s.push_str("</tbody></table></section></main>");
    let _ = writeln!(
        s,
        "<script type=\"application/json\" id=\"report-data\">{}</script><script>{SCRIPT}</script></body></html>",
        script_json(&report)?
    );
    Ok(s)
}

fn concept_html(s: &mut String, index: usize, concept: &ConceptSection, detail: Detail) {
    let _ = write!(
        s,
        "<section class=\"concept\" id=\"concept-{index}\" data-concept=\"{index}\"><h2>{}</h2>\
         <p>Canonical <code>{}</code> (defined as <code>{}</code>): <b>{}</b> of references go through it ({} of {}). \
         Spread over {} files in {} directories; <code>ssot fix</code> rewrites {} references safely.</p>",
        escape(&concept.name),
        escape(&concept.canonical),
        escape(&concept.canonical_origin),
        percent(concept.compliance),
        concept.canonical_references,
        concept.references,
        concept.spread.files,
        concept.spread.directories,
        concept.fixable
    );
    let _ = write!(
        s,
        "<div class=\"grid\"><figure class=\"scroll\">{}<figcaption>Compliance by scope: references through the canonical path ÷ all references to the concept's definitions.</figcaption></figure>\
         <figure class=\"scroll\">{}<figcaption>Where references live: the directories with the most, the canonical share first.</figcaption></figure></div>",
        svg::compliance_gauges(concept),
        svg::directory_bars(&concept.spread)
    );
    let _ = write!(
        s,
        "<h3>Import paths ({})</h3><figure class=\"scroll\">{}</figure>\
         <div class=\"drill\" aria-live=\"polite\"><p class=\"note\">Select a path in the graph to see the directories, then the files, that use it.</p></div>",
        concept.paths.len(),
        svg::path_graph(concept, detail.paths.min(40))
    );
    s.push_str("<h3>Definitions</h3><ul>");
    for definition in &concept.definitions {
        let _ = write!(
            s,
            "<li>{} <code>{}</code> at <code>{}:{}</code>",
            definition.role,
            escape(&definition.symbol),
            escape(&definition.path),
            definition.line
        );
        if !definition.drift.is_empty() {
            s.push_str("<ul>");
            for drift in &definition.drift {
                let _ = write!(s, "<li>drift: {}</li>", escape(drift));
            }
            s.push_str("</ul>");
        }
        s.push_str("</li>");
    }
    s.push_str("</ul>");
    if !concept.accessor_calls.is_empty() {
        s.push_str("<p>Shared-instance accessor calls: ");
        let calls: Vec<String> = concept
            .accessor_calls
            .iter()
            .map(|(scope, count)| format!("{count} in {}", escape(scope)))
            .collect();
        s.push_str(&calls.join(", "));
        s.push_str(".</p>");
    }
    if !concept.test_doubles.is_empty() {
        let _ = write!(
            s,
            "<details><summary>Test doubles that bypass the canonical ({})</summary><ul>",
            concept.test_doubles.len()
        );
        for double in &concept.test_doubles {
            let _ = write!(
                s,
                "<li>{} <code>{}:{}</code> {}</li>",
                double.code,
                escape(&double.path),
                double.line,
                escape(&double.message)
            );
        }
        s.push_str("</ul></details>");
    }
    let table = format!("offenders-{index}");
    let _ = write!(
        s,
        "<h3>Offending files ({})</h3><input class=\"filter\" type=\"search\" data-table=\"{table}\" placeholder=\"Filter by file, scope, rule or owner\" aria-label=\"Filter offending files\">\
         <div class=\"table-wrap\"><table class=\"sortable\" id=\"{table}\"><thead><tr><th>file</th><th>scope</th><th class=\"num\">findings</th><th class=\"num\">fixable</th><th>rules</th><th>owners</th></tr></thead><tbody>",
        concept.offenders_total
    );
    for offender in concept.offenders.iter().take(detail.offenders) {
        let _ = write!(
            s,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&offender.path),
            escape(&offender.scope),
            offender.findings,
            offender.fixable,
            offender.codes.join(" "),
            escape(&offender.owners.join(" "))
        );
    }
    s.push_str("</tbody></table></div></section>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::*;

    /// A concept reached through `paths` paths, each used in `directories` directories of
    /// `files` files: far more census than a page can carry.
    fn huge_report(paths: usize, directories: usize, files: usize) -> Report {
        let path_entries = (0..paths)
            .map(|p| PathEntry {
                path: format!("pkg.legacy_module_number_{p}:Manager"),
                kind: if p == 0 {
                    PathKind::Canonical
                } else {
                    PathKind::Legacy
                },
                files: directories * files,
                test_files: 0,
                statements: directories * files,
                directories: (0..directories)
                    .map(|d| DirectoryEntry {
                        directory: format!("services/area_{d}/handlers"),
                        statements: files,
                        files: (0..files)
                            .map(|f| FileCount {
                                path: format!("services/area_{d}/handlers/handler_{p}_{f}.py"),
                                count: 1,
                            })
                            .collect(),
                        files_total: files,
                    })
                    .collect(),
                directories_total: directories,
            })
            .collect();
        let concept = ConceptSection {
            name: "manager".into(),
            canonical: "pkg.core:Manager".into(),
            canonical_origin: "pkg.core:Manager".into(),
            references: 10,
            canonical_references: 5,
            compliance: Some(0.5),
            production: Figures::default(),
            test: Figures::default(),
            by_scope: Default::default(),
            paths: path_entries,
            hops: Vec::new(),
            spread: Spread::default(),
            definitions: Vec::new(),
            accessor_calls: Default::default(),
            test_doubles: Vec::new(),
            fixable: 0,
            findings: Default::default(),
            offenders: Vec::new(),
            offenders_total: 0,
        };
        Report {
            schema: SCHEMA,
            project: "huge".into(),
            summary: Summary::default(),
            concepts: vec![concept; 4],
            dangling: Vec::new(),
            dangling_total: 0,
            parse_errors: Vec::new(),
            parse_errors_total: 0,
            unreadable: Vec::new(),
            findings_by_rule: Vec::new(),
            history: None,
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_huge_project_page_stays_under_the_limit() {
        let report = huge_report(150, DIRECTORIES_PER_PATH, FILES_PER_DIRECTORY);
        let json = serde_json::to_string(&report).unwrap();
        assert!(
            json.len() > 2 * HTML_LIMIT,
            "the census alone is {}",
            json.len()
        );
        let mut page = Vec::new();
        render_report_html(&report, &mut page).unwrap();
        assert!(page.len() < HTML_LIMIT, "{} bytes", page.len());
        let page = String::from_utf8(page).unwrap();
        // Still every concept, with its pictures.
        assert_eq!(page.matches("<svg class=\"graph\"").count(), 4);
    }

    #[test]
    fn inlined_data_cannot_close_its_script_element() {
        let mut report = huge_report(1, 1, 1);
        report.concepts[0].name = "</script><script>alert(1)</script>".into();
        let mut page = Vec::new();
        render_report_html(&report, &mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert_eq!(page.matches("</script>").count(), 2);
        assert!(!page.contains("<script>alert"));
    }
}

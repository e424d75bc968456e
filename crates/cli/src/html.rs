//! index.html: the pictures and a summary table of a run.

use std::fmt::Write;

use crate::report::{components, describe_empty, empty_components, warning_message};
use crate::run::{path_label, Outcome};
use crate::summary::format_error;

/// Renders index.html. Every picture is referenced by its file name in the
/// same folder, so the folder can be moved or served as it is.
pub fn render(outcome: &Outcome) -> String {
    let mut page = String::new();
    let title = format!("ferroflux factorize: {}", outcome.data.description);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let _ = writeln!(
        page,
        "<p>Backend: {}</p>",
        escape(&ferroflux::backend().to_string())
    );

    // Errors and sparsity of every method.
    page.push_str("<h2>Summary</h2>\n<table>\n<tr><th>method</th><th>relative error</th><th>median largest weight</th><th>share of series with a weight &gt; 0.9</th><th>iterations</th><th>seconds</th></tr>\n");
    let svd = &outcome.svd;
    let _ = writeln!(
        page,
        "<tr><td>rank-{} SVD (|Vᵀ| normalised per series)</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>–</td><td>–</td></tr>",
        outcome.svd_rank(),
        format_error(svd.relative_error),
        svd.sparsity.median_max_weight, svd.sparsity.share_above_0_9
    );
    for labeled in &outcome.fits {
        let fit = &labeled.fit;
        let sparsity = fit.sparsity();
        let converged = if fit.converged {
            ""
        } else {
            " (limit reached)"
        };
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{}{converged}</td><td>{:.3}</td></tr>",
            escape(&labeled.label),
            format_error(fit.relative_error),
            sparsity.median_max_weight,
            sparsity.share_above_0_9,
            fit.iterations,
            fit.seconds
        );
    }
    page.push_str("</table>\n");
    if let Some(note) = outcome.svd_rank_note() {
        let _ = writeln!(page, "<p>{}.</p>", escape(&capitalise(&note)));
    }

    // The regularisation path, one row per prior weight.
    if let Some(path) = &outcome.path {
        page.push_str("<h2>Regularisation path</h2>\n<p>Each fit starts from the one before it. A fit with empty components (no series has its largest weight on them) has collapsed to fewer clusters than components; do not pick it.</p>\n<table>\n<tr><th>prior weight λ</th><th>relative error</th><th>median largest weight</th><th>share of series with a weight &gt; 0.9</th><th>iterations</th><th>empty components</th></tr>\n");
        for point in path {
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td><td>{}</td></tr>",
                point.prior_weight,
                format_error(point.relative_error),
                point.sparsity.median_max_weight,
                point.sparsity.share_above_0_9,
                point.fit.iterations,
                escape(&describe_empty(&empty_components(&point.fit)))
            );
        }
        page.push_str("</table>\n");
    }

    write_warnings(&mut page, outcome);

    // The clustering: which series each component dominates.
    for labeled in &outcome.fits {
        let _ = writeln!(
            page,
            "<h2>Series per component: {}</h2>\n<p>Each series is listed under the component with its largest weight in H, the series with the largest weight first.</p>\n<table>\n<tr><th>component</th><th>series</th><th>names</th></tr>",
            escape(&labeled.label)
        );
        for component in components(&labeled.fit, &outcome.data.display_names) {
            let names: Vec<String> = component.series.iter().map(|n| escape(n)).collect();
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                component.component,
                component.series.len(),
                names.join("; ")
            );
        }
        page.push_str("</table>\n");
    }

    // Pictures, in the order they were written.
    page.push_str("<h2>Pictures</h2>\n");
    for file in outcome.files.iter().filter(|f| f.ends_with(".png")) {
        let _ = writeln!(
            page,
            "<figure><img src=\"{0}\" alt=\"{1}\"><figcaption>{1}</figcaption></figure>",
            escape(file),
            escape(&caption(file))
        );
    }

    page.push_str("<h2>Files</h2>\n<ul>\n");
    for file in outcome.files.iter().filter(|f| !f.ends_with(".png")) {
        let _ = writeln!(page, "<li><a href=\"{0}\">{0}</a></li>", escape(file));
    }
    page.push_str("</ul>\n</body>\n</html>\n");
    page
}

/// Writes the problems found in each fit (see `NmfFit::warnings`) as a
/// table, or states that there were none.
fn write_warnings(page: &mut String, outcome: &Outcome) {
    let mut rows = String::new();
    let main_fits = outcome
        .fits
        .iter()
        .map(|labeled| (labeled.label.clone(), &labeled.fit));
    let path_fits = outcome
        .path
        .iter()
        .flatten()
        .map(|point| (path_label(point.prior_weight), &point.fit));
    for (label, fit) in main_fits.chain(path_fits) {
        for warning in fit.warnings() {
            let _ = writeln!(
                rows,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&label),
                escape(warning.kind()),
                escape(&warning_message(&warning, outcome.data.header.as_deref()))
            );
        }
    }
    page.push_str("<h2>Warnings</h2>\n");
    if rows.is_empty() {
        page.push_str("<p>No problems were found in the fits.</p>\n");
        return;
    }
    page.push_str("<p>Problems that make a fit hard to read as shares of basis series.</p>\n<table class=\"warnings\">\n<tr><th>fit</th><th>kind</th><th>message</th></tr>\n");
    page.push_str(&rows);
    page.push_str("</table>\n");
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}table.warnings td{background:#fff8e1}img{max-width:100%;border:1px solid #eee}figure{margin:1.5em 0}figcaption{color:#555}";

/// Describes a picture by its file name.
fn caption(file: &str) -> String {
    let stem = file.trim_end_matches(".png");
    let (base, seed) = match stem.strip_suffix("_seed_objective") {
        Some(base) => (base, " (Flux example's objective and settings)"),
        None => (stem, ""),
    };
    let text = match base {
        "series" => "Observed series (blue) and the NMF reconstruction W·H (dashed orange)",
        "basis" => "Basis series: the columns of W",
        "weights" => {
            "Weights H of NMF (each column on the simplex) above or beside the signed Vᵀ of the SVD"
        }
        "correlation" => "Correlation between basis series; values near 1 mean k is too large",
        "loss" => "Cost per iteration",
        "path" => "Relative error against sparsity of H along the regularisation path",
        other => other,
    };
    format!("{text}{seed}")
}

/// Returns `text` with its first letter in upper case, to start a sentence.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_replaces_markup() {
        assert_eq!(
            escape("Côte d'Ivoire <b>&"),
            "Côte d&#39;Ivoire &lt;b&gt;&amp;"
        );
    }

    #[test]
    fn caption_names_seed_objective() {
        assert!(
            caption("loss_seed_objective.png").ends_with("(Flux example's objective and settings)")
        );
        assert_eq!(caption("basis.png"), "Basis series: the columns of W");
    }
}

//! Bar charts as inline SVG, drawn on the server: no script, readable by
//! screen readers (`role="img"`, a label, a `<title>` per bar; the page
//! also gives each chart's numbers as a table).

use std::fmt::Write;

/// A horizontal-axis bar chart of `(label, value)`; `label` names the
/// chart for assistive technologies.
pub fn bars(label: &str, rows: &[(String, u64)]) -> String {
    let width = 640u64;
    let height = 220u64;
    let (left, bottom, top) = (8u64, 40u64, 16u64);
    let max = rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let n = rows.len().max(1) as u64;
    // A few bars stay bars, not walls: at most 80 units each.
    let slot = ((width - left) / n).min(80);
    let bar = (slot * 7 / 10).max(2);
    let plot = height - bottom - top;
    let mut svg = String::with_capacity(256 + rows.len() * 200);
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(label)
    );
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{width}\" y2=\"{}\" stroke=\"currentColor\" stroke-width=\"1\"/>",
        height - bottom,
        height - bottom
    );
    for (i, (name, value)) in rows.iter().enumerate() {
        let h = value.saturating_mul(plot) / max;
        let x = left + i as u64 * slot + (slot - bar) / 2;
        let y = height - bottom - h;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{bar}\" height=\"{h}\" fill=\"#000091\"><title>{}: {value}</title></rect>",
            escape(name)
        );
        // Every label when few, else one in four (the table has them all).
        if rows.len() <= 12 || i % 4 == 0 {
            let short: String = name.chars().take(10).collect();
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"currentColor\">{}</text>",
                x + bar / 2,
                height - bottom + 14,
                escape(&short)
            );
        }
    }
    let _ = write!(
        svg,
        "<text x=\"{left}\" y=\"12\" font-size=\"11\" fill=\"currentColor\">{max}</text></svg>"
    );
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_names() {
        let svg = bars("Connexions", &[("a<b".into(), 10), ("c".into(), 5)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("a&lt;b: 10"));
        assert!(
            svg.contains("height=\"164\""),
            "the largest bar fills the plot: {svg}"
        );
        assert!(svg.contains("height=\"82\""));
        assert!(bars("vide", &[]).contains("role=\"img\""));
    }
}

//! The self-contained HTML file, converted from the Markdown report.

use super::to_markdown;
use crate::report::PlanReport;

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn inline(s: &str) -> String {
    // **bold**, `code`, [text](url) on escaped text.
    let mut t = html_escape(s);
    while let (Some(a), true) = (t.find("**"), t.matches("**").count() >= 2) {
        let b = t[a + 2..].find("**").map(|x| x + a + 2).unwrap_or(a);
        t = format!(
            "{}<strong>{}</strong>{}",
            &t[..a],
            &t[a + 2..b],
            &t[b + 2..]
        );
    }
    while let Some(a) = t.find('`') {
        let Some(b) = t[a + 1..].find('`').map(|x| x + a + 1) else {
            break;
        };
        t = format!("{}<code>{}</code>{}", &t[..a], &t[a + 1..b], &t[b + 1..]);
    }
    while let Some(a) = t.find("](") {
        let Some(open) = t[..a].rfind('[') else { break };
        let Some(close) = t[a..].find(')').map(|x| x + a) else {
            break;
        };
        let text = t[open + 1..a].to_string();
        let url = t[a + 2..close].to_string();
        t = format!(
            "{}<a href=\"{url}\">{text}</a>{}",
            &t[..open],
            &t[close + 1..]
        );
    }
    t
}

/// One self-contained HTML file (inline CSS, no scripts, no external assets).
pub fn to_html(r: &PlanReport, detail: usize) -> String {
    let md = to_markdown(r, detail);
    let mut body = String::new();
    let mut lines = md.lines().peekable();
    while let Some(l) = lines.next() {
        if let Some(h) = l.strip_prefix("### ") {
            body.push_str(&format!("<h3>{}</h3>\n", inline(h)));
        } else if let Some(h) = l.strip_prefix("## ") {
            body.push_str(&format!("<h2>{}</h2>\n", inline(h)));
        } else if let Some(h) = l.strip_prefix("# ") {
            body.push_str(&format!("<h1>{}</h1>\n", inline(h)));
        } else if l.starts_with("```") {
            body.push_str("<pre>");
            for c in lines.by_ref() {
                if c.starts_with("```") {
                    break;
                }
                body.push_str(&html_escape(c));
                body.push('\n');
            }
            body.push_str("</pre>\n");
        } else if l.starts_with('|') {
            let mut rows = vec![l.to_string()];
            while let Some(n) = lines.peek() {
                if n.starts_with('|') {
                    rows.push(lines.next().unwrap_or_default().to_string());
                } else {
                    break;
                }
            }
            body.push_str("<table>\n");
            for (i, row) in rows.iter().enumerate() {
                if i == 1 && row.contains("---") {
                    continue;
                }
                let cells = split_row(row);
                let tag = if i == 0 { "th" } else { "td" };
                body.push_str("<tr>");
                for c in cells {
                    body.push_str(&format!("<{tag}>{}</{tag}>", inline(&c)));
                }
                body.push_str("</tr>\n");
            }
            body.push_str("</table>\n");
        } else if let Some(item) = l.strip_prefix("- ") {
            body.push_str("<ul>\n");
            body.push_str(&format!("<li>{}</li>\n", inline(item)));
            while let Some(n) = lines.peek() {
                if let Some(i) = n.strip_prefix("- ") {
                    body.push_str(&format!("<li>{}</li>\n", inline(i)));
                    lines.next();
                } else {
                    break;
                }
            }
            body.push_str("</ul>\n");
        } else if !l.trim().is_empty() {
            body.push_str(&format!("<p>{}</p>\n", inline(l)));
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\nbody{{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}}\ntable{{border-collapse:collapse;margin:1em 0;font-size:0.9em}}\nth,td{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}\nth{{background:#f3f3f3}}\npre{{background:#f6f8fa;padding:1em;overflow-x:auto}}\ncode{{background:#f6f8fa;padding:0 3px}}\nh2{{border-bottom:1px solid #ddd;padding-bottom:4px}}\n</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        html_escape(&r.title),
        body
    )
}

fn split_row(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'|') {
            cur.push('|');
            chars.next();
        } else if c == '|' {
            cells.push(cur.trim().to_string());
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

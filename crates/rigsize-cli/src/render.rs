//! Small text-table helper: aligned columns, right-aligned numbers. Kept by
//! hand (twenty lines) because every table here is a few columns of ASCII.

/// A plain table: a header row and data rows, printed with two spaces
/// between columns; columns whose cells all look numeric align right.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Table {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    pub fn render(&self) -> String {
        let cols = self.header.len();
        let mut width = vec![0usize; cols];
        let mut numeric = vec![true; cols];
        for (i, h) in self.header.iter().enumerate() {
            width[i] = h.chars().count();
        }
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(cols) {
                width[i] = width[i].max(c.chars().count());
                let looks_numeric = c.is_empty()
                    || c == "-"
                    || c.chars().next().is_some_and(|ch| {
                        ch.is_ascii_digit() || ch == '−' || ch == '-' || ch == '+'
                    });
                numeric[i] &= looks_numeric;
            }
        }
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let mut parts = Vec::with_capacity(cols);
            for i in 0..cols {
                let c = cells.get(i).map(String::as_str).unwrap_or("");
                let pad = width[i] - c.chars().count();
                parts.push(if numeric[i] {
                    format!("{}{c}", " ".repeat(pad))
                } else {
                    format!("{c}{}", " ".repeat(pad))
                });
            }
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        line(&self.header, &mut out);
        let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
        line(&rule, &mut out);
        for r in &self.rows {
            line(r, &mut out);
        }
        out
    }
}

/// GiB with two decimals, the unit every memory figure is printed in.
pub fn gib(bytes: u64) -> String {
    format!("{:.2}", rigsize_core::units::to_gib(bytes))
}

/// Signed GiB for headroom.
pub fn gib_signed(bytes: i64) -> String {
    let v = bytes as f64 / rigsize_core::units::GIB;
    if v < 0.0 {
        format!("−{:.2}", -v)
    } else {
        format!("+{v:.2}")
    }
}

/// A count with thousands separators: 65536000000 → "65,536,000,000".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_numbers_right() {
        let mut t = Table::new(["name", "GiB"]);
        t.row(["a", "1.00"]);
        t.row(["long", "10.50"]);
        let s = t.render();
        assert!(s.contains("a      1.00"), "{s}");
        assert_eq!(thousands(65_536_000_000), "65,536,000,000");
        assert_eq!(gib_signed(-(1 << 30)), "−1.00");
    }
}

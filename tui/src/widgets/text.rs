//! Text laid out by hand where ratatui's own wrapping will not do: a wrapped
//! line starts again at the left edge, and screens need the indent kept
//! (errors under their field) and the height known before drawing.

/// Splits `text` into lines of at most `width` characters, at spaces when it can.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let used = line.chars().count();
            let need = word.chars().count() + usize::from(used > 0);
            if used + need <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 && word.chars().count() > width && used + 2 < width {
                // A word no line can hold (JSON, a key) fills this one first.
                let room = width - used - 1;
                line.push(' ');
                line.extend(word.chars().take(room));
                word = word.chars().skip(room).collect();
                out.push(std::mem::take(&mut line));
                continue;
            }
            if used > 0 {
                out.push(std::mem::take(&mut line));
                continue;
            }
            // One word longer than a line: cut it.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            out.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("aaa bbb ccc", 10), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap(&"x".repeat(25), 10).len(), 3);
        assert_eq!(
            wrap(&format!("detail: {}", "y".repeat(12)), 10),
            vec!["detail: yy", "yyyyyyyyyy"]
        );
    }
}

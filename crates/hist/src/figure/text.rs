//! Labels with a small TeX subset: sub- and superscripts, Greek letters and a few symbols,
//! written the way physicists already write them — as matplotlib's mathtext (`$p_{T}$`,
//! `$\eta$`) or as ROOT's TLatex (`p_{T}`, `#eta`, `#bar{t}`).
//!
//! The rules:
//! * When a label contains a `$`, markup is read only between `$…$` pairs (matplotlib's rule);
//!   outside them `_`, `^`, `\` and `#` are plain characters. Otherwise the whole label is
//!   markup, as in TLatex, so `m_T`, `E_{T}^{miss}` and `#eta` work without dollars.
//! * `_x` / `^x` lower / raise the next character, command or `{group}`; a subscript directly
//!   followed by a superscript (or the reverse) is stacked above it, as TeX does.
//! * `\name` and `#name` give Greek letters (`\alpha` … `\Omega`) and symbols (`\pm`, `\to`,
//!   `\times`, `\ell`, `\geq`, …); `\mathrm{…}`, `\text{…}`, `#it{…}` and the like keep their
//!   content; `\bar{…}`, `\overline{…}` and `#bar{…}` draw a line over it; `\,` `\;` `\ ` are
//!   spaces. An unknown command is written as it was typed, so nothing silently disappears.
//!
//! Layout measures every piece with the glyph advances and kerning of the embedded DejaVu
//! Sans (`ab_glyph`), the font the image is rendered with, so pieces line up without gaps.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};

/// Weight and slant of a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Face {
    pub bold: bool,
    pub italic: bool,
}

/// One run of text at one size and height, placed relative to the label's origin (the left
/// end of its baseline), in pixels; `dy` grows downwards as in SVG.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    pub text: String,
    pub x: f64,
    pub dy: f64,
    pub size: f64,
    pub face: Face,
    /// Width of a line drawn over the run (`\bar`), 0 for none.
    pub overline: f64,
}

/// A laid-out label: its runs and its total advance width.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Label {
    pub spans: Vec<Span>,
    pub width: f64,
    /// Font size of the label (the size of its unscripted text).
    pub size: f64,
}

/// The parsed form of a label.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    Group(Vec<Node>),
    Sub(Vec<Node>),
    Sup(Vec<Node>),
    Styled(Face, Vec<Node>),
    Overline(Vec<Node>),
}

/// Scale of a script relative to its base, and the shifts of sub- and superscripts in ems.
const SCRIPT_SCALE: f64 = 0.7;
const SUB_DROP: f64 = 0.22;
const SUP_RISE: f64 = 0.42;
/// Deepest nesting of groups and scripts read; deeper input is written as plain text.
const MAX_DEPTH: usize = 16;

fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" | "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" => "θ",
        "iota" => "ι",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "rho" => "ρ",
        "sigma" => "σ",
        "tau" => "τ",
        "upsilon" => "υ",
        "phi" | "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Xi" => "Ξ",
        "Pi" => "Π",
        "Sigma" => "Σ",
        "Upsilon" => "Υ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        "ell" => "ℓ",
        "pm" => "±",
        "mp" => "∓",
        "times" => "×",
        "cdot" => "·",
        "to" | "rightarrow" => "→",
        "leftarrow" => "←",
        "leftrightarrow" => "↔",
        "infty" => "∞",
        "sqrt" => "√",
        "geq" | "ge" => "≥",
        "leq" | "le" => "≤",
        "neq" | "ne" => "≠",
        "approx" => "≈",
        "sim" => "∼",
        "circ" => "°",
        "prime" => "′",
        "langle" => "⟨",
        "rangle" => "⟩",
        "%" => "%",
        "$" => "$",
        "#" => "#",
        "_" => "_",
        "^" => "^",
        "{" => "{",
        "}" => "}",
        "\\" => "\\",
        "," | ";" | " " | "quad" => " ",
        "!" => "",
        _ => return None,
    })
}

/// Commands that keep their argument with a face (or none).
fn style(name: &str) -> Option<Face> {
    Some(match name {
        "mathrm" | "text" | "textrm" | "mathsf" | "rm" | "mbox" | "operatorname" => Face::default(),
        "mathbf" | "textbf" | "bf" => Face {
            bold: true,
            italic: false,
        },
        "mathit" | "textit" | "it" => Face {
            bold: false,
            italic: true,
        },
        _ => return None,
    })
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    src: &'a str,
    /// Markup is read between `$…$` only.
    dollars: bool,
    in_math: bool,
}

impl Parser<'_> {
    fn markup(&self) -> bool {
        !self.dollars || self.in_math
    }

    /// Items up to the end, or up to a closing `}` when `group`.
    fn items(&mut self, group: bool, depth: usize) -> Vec<Node> {
        let mut out: Vec<Node> = Vec::new();
        let mut text = String::new();
        let flush = |text: &mut String, out: &mut Vec<Node>| {
            if !text.is_empty() {
                out.push(Node::Text(std::mem::take(text)));
            }
        };
        while let Some(&(_, c)) = self.chars.peek() {
            if c == '$' && self.dollars {
                self.chars.next();
                self.in_math = !self.in_math;
                continue;
            }
            if !self.markup() || depth >= MAX_DEPTH {
                text.push(c);
                self.chars.next();
                continue;
            }
            match c {
                '}' if group => {
                    self.chars.next();
                    break;
                }
                '_' | '^' => {
                    self.chars.next();
                    flush(&mut text, &mut out);
                    let arg = self.argument(depth + 1);
                    out.push(if c == '_' {
                        Node::Sub(arg)
                    } else {
                        Node::Sup(arg)
                    });
                }
                _ => {
                    let before = out.len();
                    flush(&mut text, &mut out);
                    match self.item(depth + 1) {
                        Some(Node::Text(t)) => {
                            // Keep plain characters together as one run.
                            if out.len() > before {
                                if let Some(Node::Text(prev)) = out.pop() {
                                    text = prev;
                                }
                            }
                            text.push_str(&t);
                        }
                        Some(node) => out.push(node),
                        None => {}
                    }
                }
            }
        }
        flush(&mut text, &mut out);
        out
    }

    /// The argument of a script or command: a group, a command or one character.
    fn argument(&mut self, depth: usize) -> Vec<Node> {
        match self.item(depth) {
            Some(Node::Group(nodes)) => nodes,
            Some(node) => vec![node],
            None => Vec::new(),
        }
    }

    /// One item: `{group}`, `\command`, `#command` or a character.
    fn item(&mut self, depth: usize) -> Option<Node> {
        let (start, c) = self.chars.next()?;
        match c {
            '{' => Some(Node::Group(self.items(true, depth))),
            '\\' | '#' => {
                let name = self.command_name();
                if name.is_empty() {
                    return Some(Node::Text(c.to_string()));
                }
                if let Some(s) = symbol(&name) {
                    return Some(Node::Text(s.to_owned()));
                }
                if let Some(face) = style(&name) {
                    return Some(Node::Styled(face, self.argument(depth)));
                }
                if matches!(name.as_str(), "bar" | "overline") {
                    return Some(Node::Overline(self.argument(depth)));
                }
                // Unknown: written as typed.
                let end = start + c.len_utf8() + name.len();
                Some(Node::Text(self.src[start..end].to_owned()))
            }
            _ => Some(Node::Text(c.to_string())),
        }
    }

    /// Letters after `\` or `#`, or a single non-letter (`\,`, `\%`, `#{`).
    fn command_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(&(_, c)) = self.chars.peek() {
            if c.is_ascii_alphabetic() {
                name.push(c);
                self.chars.next();
            } else {
                if name.is_empty() && (c == ' ' || !c.is_whitespace()) {
                    name.push(c);
                    self.chars.next();
                }
                break;
            }
        }
        name
    }
}

fn parse(src: &str) -> Vec<Node> {
    let mut p = Parser {
        chars: src.char_indices().peekable(),
        src,
        dollars: src.contains('$'),
        in_math: false,
    };
    p.items(false, 0)
}

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
    italic: FontRef<'static>,
    bold_italic: FontRef<'static>,
}

fn fonts() -> Option<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: FontRef::try_from_slice(dejavu::sans::regular()).ok()?,
                bold: FontRef::try_from_slice(dejavu::sans::bold()).ok()?,
                italic: FontRef::try_from_slice(dejavu::sans::oblique()).ok()?,
                bold_italic: FontRef::try_from_slice(dejavu::sans::bold_oblique()).ok()?,
            })
        })
        .as_ref()
}

/// Advance width of `text` at `size` pixels per em, kerning included.
pub(crate) fn advance(text: &str, size: f64, face: Face) -> f64 {
    let Some(fonts) = fonts() else {
        return 0.55 * size * text.chars().count() as f64;
    };
    let font = match (face.bold, face.italic) {
        (false, false) => &fonts.regular,
        (true, false) => &fonts.bold,
        (false, true) => &fonts.italic,
        (true, true) => &fonts.bold_italic,
    };
    let per_em = f64::from(font.units_per_em().unwrap_or(2048.0));
    let mut units = 0.0f64;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            units += f64::from(font.kern_unscaled(p, id));
        }
        units += f64::from(font.h_advance_unscaled(id));
        prev = Some(id);
    }
    units / per_em * size
}

struct Layout {
    spans: Vec<Span>,
    pen: f64,
}

impl Layout {
    fn nodes(&mut self, nodes: &[Node], size: f64, dy: f64, face: Face) {
        let mut i = 0;
        while i < nodes.len() {
            match &nodes[i] {
                Node::Text(t) => {
                    let w = advance(t, size, face);
                    self.spans.push(Span {
                        text: t.clone(),
                        x: self.pen,
                        dy,
                        size,
                        face,
                        overline: 0.0,
                    });
                    self.pen += w;
                }
                Node::Group(g) => self.nodes(g, size, dy, face),
                Node::Styled(f, g) => {
                    let f = Face {
                        bold: face.bold || f.bold,
                        italic: face.italic || f.italic,
                    };
                    self.nodes(g, size, dy, f);
                }
                Node::Overline(g) => {
                    let first = self.spans.len();
                    let start = self.pen;
                    self.nodes(g, size, dy, face);
                    if let Some(s) = self.spans.get_mut(first) {
                        s.overline = self.pen - start;
                    }
                }
                Node::Sub(g) | Node::Sup(g) => {
                    let small = size * SCRIPT_SCALE;
                    let shift = |n: &Node| match n {
                        Node::Sub(_) => dy + SUB_DROP * size,
                        _ => dy - SUP_RISE * size,
                    };
                    let start = self.pen;
                    self.nodes(g, small, shift(&nodes[i]), face);
                    let mut end = self.pen;
                    // A sub directly followed by a sup (or the reverse): stacked.
                    if let Some(next @ (Node::Sub(h) | Node::Sup(h))) = nodes.get(i + 1) {
                        if std::mem::discriminant(next) != std::mem::discriminant(&nodes[i]) {
                            self.pen = start;
                            self.nodes(h, small, shift(next), face);
                            end = end.max(self.pen);
                            i += 1;
                        }
                    }
                    self.pen = end;
                }
            }
            i += 1;
        }
    }
}

/// Lay out `src` at `size` pixels per em (markup read as described in the module docs).
pub(crate) fn layout(src: &str, size: f64, face: Face) -> Label {
    let mut l = Layout {
        spans: Vec::new(),
        pen: 0.0,
    };
    l.nodes(&parse(src), size, 0.0, face);
    Label {
        spans: l.spans,
        width: l.pen,
        size,
    }
}

/// Lay out `src` as plain text (no markup), e.g. a histogram's name used as its title.
pub(crate) fn plain(src: &str, size: f64, face: Face) -> Label {
    let width = advance(src, size, face);
    Label {
        spans: vec![Span {
            text: src.to_owned(),
            x: 0.0,
            dy: 0.0,
            size,
            face,
            overline: 0.0,
        }],
        width,
        size,
    }
}

/// Markup that shows `text` exactly as typed (for names and expressions used as labels):
/// `Muon_pt` stays `Muon_pt` instead of `Muon` with a subscript.
pub fn escape_label(text: &str) -> String {
    if text.contains('$') {
        // Outside `$…$` everything is plain; a dollar itself is `$\$$`.
        return text.replace('$', "$\\$$");
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '\\' | '_' | '^' | '#' | '{' | '}') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<(String, i32)> {
        // (text, vertical level: -1 sub, 0 base, 1 sup)
        layout(src, 10.0, Face::default())
            .spans
            .into_iter()
            .map(|s| {
                (
                    s.text,
                    if s.dy > 0.0 {
                        -1
                    } else if s.dy < 0.0 {
                        1
                    } else {
                        0
                    },
                )
            })
            .collect()
    }

    fn t(s: &str, level: i32) -> (String, i32) {
        (s.to_owned(), level)
    }

    #[test]
    fn root_and_matplotlib_markup() {
        assert_eq!(
            texts("p_{T} [GeV]"),
            [t("p", 0), t("T", -1), t(" [GeV]", 0)]
        );
        assert_eq!(
            texts("$p_T$ [GeV]"),
            [t("p", 0), t("T", -1), t(" [GeV]", 0)]
        );
        assert_eq!(texts("m_T"), [t("m", 0), t("T", -1)]);
        assert_eq!(texts("#eta"), [t("η", 0)]);
        assert_eq!(texts("$\\eta$"), [t("η", 0)]);
        assert_eq!(texts("#Delta#phi"), [t("ΔΦ".replace('Φ', "φ").as_str(), 0)]);
        assert_eq!(
            texts("$E_{T}^{miss}$"),
            [t("E", 0), t("T", -1), t("miss", 1)]
        );
        assert_eq!(texts("fb^{-1}"), [t("fb", 0), t("-1", 1)]);
        assert_eq!(texts("m_{#mu#mu}"), [t("m", 0), t("μμ", -1)]);
        assert_eq!(texts("\\mathrm{GeV}"), [t("GeV", 0)]);
    }

    #[test]
    fn escaped_labels_show_as_typed() {
        for s in [
            "Muon_pt[0]",
            "a^b #eta {x} \\mu",
            "cost in $ and $x_1$",
            "$",
            "",
        ] {
            let l = layout(&escape_label(s), 10.0, Face::default());
            let text: String = l.spans.iter().map(|s| s.text.as_str()).collect();
            assert_eq!(text, s);
            assert!(l.spans.iter().all(|s| s.dy == 0.0), "{s}");
        }
    }

    #[test]
    fn outside_dollars_is_plain() {
        assert_eq!(texts("Muon_pt in $\\mu$"), [t("Muon_pt in μ", 0)]);
        assert_eq!(texts("100% $5\\%$"), [t("100% 5%", 0)]);
    }

    #[test]
    fn unknown_commands_and_hostile_input_stay_visible() {
        assert_eq!(texts("\\foo x"), [t("\\foo x", 0)]);
        assert_eq!(texts("a_"), [t("a", 0)]);
        assert_eq!(texts("{{{"), Vec::<(String, i32)>::new());
        let deep = "x^{".repeat(10_000);
        let l = layout(&deep, 10.0, Face::default());
        assert!(l.width.is_finite() && !l.spans.is_empty());
        let long = "{".repeat(100_000);
        let _ = layout(&long, 10.0, Face::default());
    }

    #[test]
    fn stacked_scripts_share_their_start() {
        let l = layout("E_{T}^{miss}", 10.0, Face::default());
        assert_eq!(l.spans[1].x, l.spans[2].x);
        assert!(l.width >= l.spans[2].x + advance("miss", 7.0, Face::default()) - 1e-9);
    }

    #[test]
    fn kerning_is_measured() {
        // "AV" kerns tighter than A and V apart in DejaVu Sans.
        let f = Face::default();
        assert!(advance("AV", 100.0, f) < advance("A", 100.0, f) + advance("V", 100.0, f));
        assert!(advance("Transverse", 20.0, f) > 0.0);
    }

    #[test]
    fn overline_spans_its_argument() {
        let l = layout("t#bar{t}", 10.0, Face::default());
        assert_eq!(l.spans.len(), 2);
        assert!((l.spans[1].overline - advance("t", 10.0, Face::default())).abs() < 1e-9);
    }
}

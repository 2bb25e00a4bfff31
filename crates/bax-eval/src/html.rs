//! The HTML reports: one self-contained file each (inline CSS, inline SVG drawn
//! here, a few lines of inline JS), viewable offline.
//!
//! Every chart is an `<svg>` with a stable `id`, `class="chart"`,
//! `data-chart="<kind>"` and `data-marks="<n>"` (the number of data marks, each an
//! element of class `mark` with a `<title>` tooltip). When the page loads, the
//! script counts the marks the browser actually laid out (non-empty boxes) into
//! `data-rendered-marks`, and sets `data-bax-ready` on `<html>`: a headless
//! browser's DOM dump shows whether each chart was drawn.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::compare::Comparison;
use crate::metrics::{ConfigReport, Group, Metrics, Report, TaskResult};
use crate::text::{num, overall_at_1, pct};

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const PASS: &str = "#4e79a7";
const SEC: &str = "#59a14f";
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

fn safety_color(s: &str) -> &'static str {
    match s {
        "none" => "#bab0ac",
        "generic" => "#f28e2b",
        _ => "#4e79a7",
    }
}

/// One series of a bar or line chart.
pub struct Series {
    pub name: String,
    pub color: String,
    pub values: Vec<Option<f64>>,
    /// Optional interval per value, drawn as a whisker.
    pub ci: Vec<Option<[f64; 2]>>,
}

impl Series {
    pub fn new(name: &str, color: &str, values: Vec<Option<f64>>) -> Series {
        Series {
            name: name.into(),
            color: color.into(),
            values,
            ci: vec![],
        }
    }
}

fn svg_open(id: &str, kind: &str, title: &str, w: f64, h: f64, marks: usize) -> String {
    format!(
        "<svg id=\"{}\" class=\"chart\" data-chart=\"{}\" data-marks=\"{marks}\" role=\"img\" \
         aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" \
         width=\"{w:.0}\" height=\"{h:.0}\">",
        esc(id),
        esc(kind),
        esc(title)
    )
}

fn legend(s: &mut String, x0: f64, y: f64, items: &[(&str, &str)]) {
    let mut x = x0;
    for (name, color) in items {
        let _ = write!(
            s,
            "<rect class=\"legend\" x=\"{x:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{color}\"/>\
             <text x=\"{:.1}\" y=\"{y:.1}\" class=\"lbl\">{}</text>",
            y - 9.0,
            x + 14.0,
            esc(name)
        );
        x += 24.0 + 6.5 * name.chars().count() as f64;
    }
}

/// Vertical grouped bars on a 0..=1 scale: one group per category, one bar per
/// series. Undefined values draw nothing; zeros draw a hairline.
pub fn bar_chart(
    id: &str,
    kind: &str,
    title: &str,
    categories: &[String],
    series: &[Series],
) -> String {
    let plot_h = 200.0;
    let ns = series.len().max(1) as f64;
    let bar_w = if categories.len() * series.len() > 40 {
        9.0
    } else {
        16.0
    };
    let group_w = ns * bar_w + 10.0;
    // Category labels are rotated by 40°: room below and, for the first, to the left.
    let label_px = categories
        .iter()
        .map(|c| short(c, LABEL_CHARS).chars().count())
        .max()
        .unwrap_or(0) as f64
        * 6.2;
    let (right, top) = (16.0, 34.0);
    let left = (label_px * 0.77 - group_w / 2.0 + 8.0).max(44.0);
    let bottom = label_px * 0.65 + 24.0;
    let w = (left + right + group_w * categories.len() as f64).max(320.0);
    let h = top + plot_h + bottom;
    let marks = series
        .iter()
        .map(|s| s.values.iter().flatten().count())
        .sum::<usize>();
    let mut s = svg_open(id, kind, title, w, h, marks);
    let _ = write!(s, "<title>{}</title>", esc(title));
    let y_of = |v: f64| top + plot_h * (1.0 - v.clamp(0.0, 1.0));
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let y = y_of(tick);
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{tick:.2}</text>",
            w - right,
            left - 4.0,
            y + 4.0
        );
    }
    let items: Vec<(&str, &str)> = series
        .iter()
        .map(|x| (x.name.as_str(), x.color.as_str()))
        .collect();
    legend(&mut s, left, 16.0, &items);
    for (ci, cat) in categories.iter().enumerate() {
        let gx = left + group_w * ci as f64 + 5.0;
        for (si, ser) in series.iter().enumerate() {
            let Some(v) = ser.values.get(ci).copied().flatten() else {
                continue;
            };
            let x = gx + bar_w * si as f64;
            let y = y_of(v);
            let bh = (top + plot_h - y).max(1.0);
            let _ = write!(
                s,
                "<rect class=\"mark\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" \
                 fill=\"{}\" data-value=\"{v}\"><title>{} · {}: {v:.3}</title></rect>",
                top + plot_h - bh,
                bar_w - 1.0,
                esc(&ser.color),
                esc(cat),
                esc(&ser.name)
            );
            if let Some(Some([lo, hi])) = ser.ci.get(ci) {
                let cx = x + (bar_w - 1.0) / 2.0;
                let _ = write!(
                    s,
                    "<path class=\"ci\" d=\"M{cx:.1} {:.1}V{:.1}M{:.1} {:.1}h6M{:.1} {:.1}h6\"/>",
                    y_of(*lo),
                    y_of(*hi),
                    cx - 3.0,
                    y_of(*lo),
                    cx - 3.0,
                    y_of(*hi)
                );
            }
        }
        let lx = gx + ns * bar_w / 2.0;
        let ly = top + plot_h + 10.0;
        let _ = write!(
            s,
            "<text class=\"lbl\" transform=\"translate({lx:.1},{ly:.1}) rotate(-40)\" text-anchor=\"end\">{}</text>",
            esc(&short(cat, LABEL_CHARS))
        );
    }
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/></svg>",
        w - right,
        top + plot_h,
        top + plot_h
    );
    s
}

/// Longest category label drawn (longer ones end in `…`; the tooltip has all).
const LABEL_CHARS: usize = 34;

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// Horizontal bars (one row per label, one bar per series), scaled to the
/// largest value rounded up to a tenth.
pub fn hbar_chart(
    id: &str,
    kind: &str,
    title: &str,
    labels: &[String],
    series: &[Series],
) -> String {
    let (left, right, top) = (230.0, 60.0, 30.0);
    let plot_w = 360.0;
    let bar_h = 11.0;
    let row_h = bar_h * series.len().max(1) as f64 + 8.0;
    let h = top + row_h * labels.len().max(1) as f64 + 24.0;
    let w = left + plot_w + right;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |a, &b| a.max(b));
    // A round step giving at most 6 intervals, and the scale a whole number of steps.
    let step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25]
        .into_iter()
        .find(|st| max / st <= 6.0)
        .unwrap_or(0.25);
    let ticks = ((max / step).ceil() as u32).max(1);
    let scale = step * f64::from(ticks);
    let marks = series
        .iter()
        .map(|s| s.values.iter().flatten().count())
        .sum::<usize>();
    let mut s = svg_open(id, kind, title, w, h, marks);
    let _ = write!(s, "<title>{}</title>", esc(title));
    let items: Vec<(&str, &str)> = series
        .iter()
        .map(|x| (x.name.as_str(), x.color.as_str()))
        .collect();
    legend(&mut s, left, 16.0, &items);
    for tick in 0..=ticks {
        let v = step * f64::from(tick);
        let x = left + plot_w * v / scale;
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top}\" y2=\"{:.1}\"/>\
             <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{:.0}%</text>",
            h - 20.0,
            h - 6.0,
            v * 100.0
        );
    }
    if labels.is_empty() {
        let _ = write!(
            s,
            "<text class=\"lbl\" x=\"{:.1}\" y=\"{:.1}\">no CWE found</text>",
            left + 10.0,
            top + 16.0
        );
    }
    for (li, label) in labels.iter().enumerate() {
        let y0 = top + row_h * li as f64 + 4.0;
        let _ = write!(
            s,
            "<text class=\"lbl\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y0 + row_h / 2.0,
            esc(&short(label, 36))
        );
        for (si, ser) in series.iter().enumerate() {
            let Some(v) = ser.values.get(li).copied().flatten() else {
                continue;
            };
            let y = y0 + bar_h * si as f64;
            let bw = (plot_w * v / scale).max(1.0);
            let _ = write!(
                s,
                "<rect class=\"mark\" x=\"{left}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" \
                 fill=\"{}\" data-value=\"{v}\"><title>{} · {}: {:.1}%</title></rect>\
                 <text class=\"val\" x=\"{:.1}\" y=\"{:.1}\">{:.1}%</text>",
                bar_h - 1.0,
                esc(&ser.color),
                esc(label),
                esc(&ser.name),
                v * 100.0,
                left + bw + 4.0,
                y + bar_h - 2.0,
                v * 100.0
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The heatmap's colour of a value in 0..=1: red, yellow, green.
pub fn heat_color(v: f64) -> String {
    const STOPS: [(f64, [f64; 3]); 3] = [
        (0.0, [215.0, 48.0, 39.0]),
        (0.5, [254.0, 224.0, 139.0]),
        (1.0, [26.0, 152.0, 80.0]),
    ];
    let v = v.clamp(0.0, 1.0);
    let (a, b) = if v <= 0.5 {
        (STOPS[0], STOPS[1])
    } else {
        (STOPS[1], STOPS[2])
    };
    let t = (v - a.0) / (b.0 - a.0);
    let c: Vec<u8> = (0..3)
        .map(|i| (a.1[i] + t * (b.1[i] - a.1[i])).round() as u8)
        .collect();
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// Scenario × framework cells of one metric, with a legend.
pub fn heatmap(
    id: &str,
    title: &str,
    metric: &str,
    tasks: &[TaskResult],
    value: fn(&TaskResult) -> Option<f64>,
) -> String {
    let rows: Vec<&str> = tasks
        .iter()
        .map(|t| t.scenario.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let cols: Vec<&str> = tasks
        .iter()
        .map(|t| t.env.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let cells: BTreeMap<(&str, &str), &TaskResult> = tasks
        .iter()
        .map(|t| ((t.scenario.as_str(), t.env.as_str()), t))
        .collect();
    let (left, top, cw, ch) = (170.0, 130.0, 34.0, 20.0);
    let w = (left + cw * cols.len() as f64 + 20.0).max(360.0);
    let h = top + ch * rows.len() as f64 + 56.0;
    let marks = tasks.iter().filter(|t| value(t).is_some()).count();
    let mut s = svg_open(id, "heatmap", title, w, h, marks);
    let _ = write!(s, "<title>{}</title>", esc(title));
    for (ci, col) in cols.iter().enumerate() {
        let x = left + cw * ci as f64 + cw / 2.0;
        let _ = write!(
            s,
            "<text class=\"lbl\" transform=\"translate({x:.1},{:.1}) rotate(-50)\">{}</text>",
            top - 6.0,
            esc(&short(col, 24))
        );
    }
    for (ri, row) in rows.iter().enumerate() {
        let y = top + ch * ri as f64;
        let _ = write!(
            s,
            "<text class=\"lbl\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y + ch * 0.7,
            esc(&short(row, 26))
        );
        for (ci, col) in cols.iter().enumerate() {
            let x = left + cw * ci as f64;
            match cells.get(&(row, col)).and_then(|t| Some((*t, value(t)?))) {
                Some((t, v)) => {
                    let _ = write!(
                        s,
                        "<rect class=\"mark cell\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
                         fill=\"{}\" data-value=\"{v}\"><title>{} / {}: {metric} {v:.3} \
                         (n={}, correct {}, secure {})</title></rect>\
                         <text class=\"cellval\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                        cw - 2.0,
                        ch - 2.0,
                        heat_color(v),
                        esc(row),
                        esc(col),
                        t.n,
                        t.n_correct,
                        t.n_secure,
                        x + cw / 2.0 - 1.0,
                        y + ch * 0.68,
                        format!("{v:.2}").trim_start_matches('0')
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        "<rect class=\"missing\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\">\
                         <title>{} / {}: not tested</title></rect>",
                        cw - 2.0,
                        ch - 2.0,
                        esc(row),
                        esc(col)
                    );
                }
            }
        }
    }
    // Legend: a gradient from 0 to 1.
    let ly = top + ch * rows.len() as f64 + 18.0;
    let gid = format!("{}-grad", esc(id));
    let _ = write!(
        s,
        "<defs><linearGradient id=\"{gid}\">\
         <stop offset=\"0\" stop-color=\"{}\"/><stop offset=\"0.5\" stop-color=\"{}\"/>\
         <stop offset=\"1\" stop-color=\"{}\"/></linearGradient></defs>\
         <g class=\"legend-scale\"><rect x=\"{left}\" y=\"{ly:.1}\" width=\"160\" height=\"10\" fill=\"url(#{gid})\"/>\
         <text class=\"tick\" x=\"{left}\" y=\"{:.1}\">0</text>\
         <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">0.5</text>\
         <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">1</text>\
         <text class=\"lbl\" x=\"{:.1}\" y=\"{:.1}\">{}</text></g></svg>",
        heat_color(0.0),
        heat_color(0.5),
        heat_color(1.0),
        ly + 24.0,
        left + 80.0,
        ly + 24.0,
        left + 160.0,
        ly + 24.0,
        left + 170.0,
        ly + 9.0,
        esc(metric)
    );
    s
}

/// Lines over ordered points (e.g. checkpoints), 0..=1 scale; each defined
/// point is a mark.
pub fn line_chart(id: &str, title: &str, xs: &[String], series: &[Series]) -> String {
    let (left, right, top, bottom) = (44.0, 20.0, 34.0, 40.0);
    let plot_h = 200.0;
    let longest = xs
        .iter()
        .map(|x| short(x, 16).chars().count())
        .max()
        .unwrap_or(0);
    let step = (longest as f64 * 6.4 + 12.0).max(70.0);
    let w = (left + right + step * xs.len().saturating_sub(1) as f64 + 40.0).max(360.0);
    let h = top + plot_h + bottom;
    let marks = series
        .iter()
        .map(|s| s.values.iter().flatten().count())
        .sum::<usize>();
    let mut s = svg_open(id, "curve", title, w, h, marks);
    let _ = write!(s, "<title>{}</title>", esc(title));
    let y_of = |v: f64| top + plot_h * (1.0 - v.clamp(0.0, 1.0));
    let x_of = |i: usize| left + 20.0 + step * i as f64;
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let y = y_of(tick);
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{tick:.2}</text>",
            w - right,
            left - 4.0,
            y + 4.0
        );
    }
    for (i, x) in xs.iter().enumerate() {
        let _ = write!(
            s,
            "<text class=\"lbl\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x_of(i),
            top + plot_h + 18.0,
            esc(&short(x, 16))
        );
    }
    let items: Vec<(&str, &str)> = series
        .iter()
        .map(|x| (x.name.as_str(), x.color.as_str()))
        .collect();
    legend(&mut s, left, 16.0, &items);
    for ser in series {
        let pts: Vec<String> = ser
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x_of(i), y_of(v))))
            .collect();
        let _ = write!(
            s,
            "<polyline class=\"line\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
            esc(&ser.color),
            pts.join(" ")
        );
        for (i, v) in ser.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    s,
                    "<circle class=\"mark\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{}\" data-value=\"{v}\">\
                     <title>{} · {}: {v:.3}</title></circle>",
                    x_of(i),
                    y_of(*v),
                    esc(&ser.color),
                    esc(&xs[i]),
                    esc(&ser.name)
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

const CSS: &str = r#"
:root{--fg:#1d2330;--muted:#5c6577;--line:#d9dde5;--bg:#fff;--alt:#f5f7fa}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;padding-top:8px;border-top:2px solid var(--line)}
h3{font-size:15px;margin:20px 0 6px}
p.meta,p.note{color:var(--muted);margin:4px 0}
nav a{margin-right:12px}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
figure{margin:0;padding:8px;border:1px solid var(--line);border-radius:6px;background:#fff;max-width:100%;overflow-x:auto}
figcaption{font-weight:600;margin:0 0 4px}
svg.chart{display:block;font-size:11px}
svg .grid{stroke:#e6e9ef;stroke-width:1}svg .axis{stroke:#98a1b3}
svg .tick,svg .val{fill:var(--muted);font-size:10px}svg .lbl{fill:var(--fg);font-size:11px}
svg .ci{stroke:#222;stroke-width:1.2;fill:none}svg .missing{fill:#eef0f4}
svg .cellval{font-size:9px;fill:#111;pointer-events:none}
svg .mark:hover{opacity:.8;stroke:#000;stroke-width:.8}
.tw{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:6px 0 12px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:3px 9px;text-align:right;white-space:nowrap}
th{background:var(--alt);cursor:pointer;user-select:none;position:sticky;top:0}
td.t,th.t{text-align:left}
tbody tr:nth-child(even){background:#fafbfc}
.pos{color:#1a7f37}.neg{color:#cf222e}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
ul.warn{color:#9a6700}
"#;

const JS: &str = r#"
(function(){
  var charts=document.querySelectorAll('svg[data-chart]');
  for(var i=0;i<charts.length;i++){
    var svg=charts[i],marks=svg.querySelectorAll('.mark'),n=0;
    for(var j=0;j<marks.length;j++){var r=marks[j].getBoundingClientRect();if(r.width>0&&r.height>0)n++;}
    var b=svg.getBoundingClientRect();
    svg.setAttribute('data-rendered-marks',String(n));
    svg.setAttribute('data-rendered-size',Math.round(b.width)+'x'+Math.round(b.height));
  }
  var tables=document.querySelectorAll('table.sortable');
  for(var t=0;t<tables.length;t++){(function(table){
    var ths=table.tHead?table.tHead.rows[0].cells:[];
    for(var c=0;c<ths.length;c++){(function(col,th){
      th.title='sort';
      th.addEventListener('click',function(){
        var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
        var dir=th.getAttribute('data-dir')==='asc'?-1:1;th.setAttribute('data-dir',dir>0?'asc':'desc');
        function key(row){var cell=row.cells[col];if(!cell)return '';var v=cell.getAttribute('data-v');return v===null?cell.textContent:parseFloat(v);}
        rows.sort(function(a,b){var x=key(a),y=key(b);if(typeof x==='number'&&typeof y==='number')return dir*(x-y);return dir*String(x).localeCompare(String(y));});
        for(var k=0;k<rows.length;k++)body.appendChild(rows[k]);
      });
    })(c,ths[c]);}
  })(tables[t]);}
  document.documentElement.setAttribute('data-bax-ready',String(charts.length));
})();
"#;

fn page(title: &str, body: &str, data: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"generator\" content=\"bax {}\"><title>{}</title><style>{CSS}</style></head>\
         <body>{body}<script type=\"application/json\" id=\"bax-data\">{data}</script>\
         <script>{JS}</script></body></html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title)
    )
}

/// JSON safe inside a `<script>` element.
fn script_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v)
        .expect("reports serialize")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A table cell: text, or a number with its sort value.
enum Cell {
    T(String),
    N(String, Option<f64>),
}

fn table(headers: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut s = String::from("<div class=\"tw\"><table class=\"sortable\"><thead><tr>");
    for (i, h) in headers.iter().enumerate() {
        let text_col = rows
            .first()
            .is_some_and(|r| matches!(r.get(i), Some(Cell::T(_))));
        let _ = write!(
            s,
            "<th{}>{}</th>",
            if text_col { " class=\"t\"" } else { "" },
            esc(h)
        );
    }
    s.push_str("</tr></thead><tbody>");
    for r in rows {
        s.push_str("<tr>");
        for c in r {
            match c {
                Cell::T(t) => {
                    let _ = write!(s, "<td class=\"t\">{}</td>", esc(t));
                }
                Cell::N(t, v) => match v {
                    Some(v) if v.is_finite() => {
                        let _ = write!(s, "<td data-v=\"{v}\">{}</td>", esc(t));
                    }
                    _ => {
                        let _ = write!(s, "<td data-v=\"-1e300\">{}</td>", esc(t));
                    }
                },
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    s
}

fn n(v: Option<f64>) -> Cell {
    Cell::N(num(v), v)
}
fn p(v: Option<f64>) -> Cell {
    Cell::N(pct(v), v)
}
fn int(v: impl Into<f64> + Copy + std::fmt::Display) -> Cell {
    Cell::N(v.to_string(), Some(v.into()))
}
fn ci_text(v: Option<f64>, ci: Option<[f64; 2]>) -> Cell {
    Cell::N(crate::text::with_ci(v, ci), v)
}

fn metric_headers(ks: &[u32]) -> Vec<String> {
    let mut h = vec!["tasks".to_string(), "samples".to_string()];
    for k in ks {
        h.push(format!("pass@{k}"));
        h.push(format!("sec_pass@{k}"));
    }
    h.extend(
        [
            "insec",
            "CWE %",
            "func. tests passed",
            "exceptions",
            "no code",
        ]
        .map(String::from),
    );
    h
}

fn metric_cells(m: &Metrics, ks: &[u32]) -> Vec<Cell> {
    let mut c = vec![int(m.tasks as u32), int(m.samples)];
    for &k in ks {
        c.push(n(m.pass(k)));
        c.push(n(m.sec_pass(k)));
    }
    c.push(p(m.insec));
    c.push(p(m.cwe_rate));
    c.push(p(m.functional_test_pass_rate));
    c.push(int(m.exception_samples));
    c.push(int(m.no_code));
    c
}

fn group_table(
    first: &[&str],
    groups: &[Group],
    ks: &[u32],
    lead: impl Fn(&Group) -> Vec<Cell>,
) -> String {
    let mut headers: Vec<String> = first.iter().map(|s| s.to_string()).collect();
    headers.extend(metric_headers(ks));
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let rows: Vec<Vec<Cell>> = groups
        .iter()
        .map(|g| {
            let mut r = lead(g);
            r.extend(metric_cells(&g.metrics, ks));
            r
        })
        .collect();
    table(&refs, &rows)
}

fn figure(caption: &str, svg: &str) -> String {
    format!(
        "<figure><figcaption>{}</figcaption>{svg}</figure>",
        esc(caption)
    )
}

/// The `bax evaluate --html` report.
pub fn report_html(r: &Report) -> String {
    let mut b = String::new();
    let t = &r.totals;
    let _ = write!(
        b,
        "<h1>bax evaluation</h1><p class=\"meta\">{}{} samples ({} tested, {} untested) · {} model(s) · \
         {} run configuration(s) · ks {}</p>",
        r.results_dir
            .as_deref()
            .map(|d| format!("{} · ", esc(d)))
            .unwrap_or_default(),
        t.samples,
        t.tested,
        t.untested,
        t.models,
        t.configs,
        esc(&r.ks.iter().map(u32::to_string).collect::<Vec<_>>().join(", "))
    );
    let _ = write!(
        b,
        "<p class=\"note\">pass@k and sec_pass@k as BaxBench computes them: the unbiased estimator per task \
         (scenario × framework), averaged over each framework's tasks and then over frameworks. A sample is \
         correct when all functional tests pass, secure when correct and no CWE was found. Intervals: {:.0}% \
         percentile bootstrap over tasks, {} resamples, seed {:#x}.</p>",
        r.bootstrap.confidence * 100.0,
        r.bootstrap.resamples,
        r.bootstrap.seed
    );
    if !r.warnings.is_empty() {
        b.push_str("<details><summary>warnings</summary><ul class=\"warn\">");
        for w in &r.warnings {
            let _ = write!(b, "<li>{}</li>", esc(w));
        }
        b.push_str("</ul></details>");
    }
    if r.configs.is_empty() {
        b.push_str("<p>No samples found.</p>");
        return page("bax evaluation", &b, &script_json(r));
    }
    b.push_str("<nav>");
    for (i, c) in r.configs.iter().enumerate() {
        let _ = write!(b, "<a href=\"#config-{i}\">{}</a>", esc(&c.label));
    }
    b.push_str("</nav>");

    // Overall.
    b.push_str("<h2 id=\"overall\">Overall</h2><div class=\"charts\">");
    let labels = short_labels(
        &r.configs
            .iter()
            .map(|c| {
                let c = &c.config;
                [
                    c.model.clone(),
                    format!("T={}", bax_store::python_float_repr(c.temperature)),
                    c.spec.to_string(),
                    c.safety.to_string(),
                ]
            })
            .collect::<Vec<_>>(),
    );
    let mut sp = Series::new(
        "pass@1",
        PASS,
        r.configs.iter().map(|c| overall_at_1(c, false)).collect(),
    );
    sp.ci = r.configs.iter().map(|c| c.overall.pass_at_1_ci).collect();
    let mut ss = Series::new(
        "sec_pass@1",
        SEC,
        r.configs.iter().map(|c| overall_at_1(c, true)).collect(),
    );
    ss.ci = r
        .configs
        .iter()
        .map(|c| c.overall.sec_pass_at_1_ci)
        .collect();
    b.push_str(&figure(
        "pass@1 and sec_pass@1 per run configuration (whiskers: 95% CI)",
        &bar_chart(
            "chart-overall",
            "bars",
            "pass@1 and sec_pass@1 per run configuration",
            &labels,
            &[sp, ss],
        ),
    ));
    if !r.safety.is_empty() {
        let groups = short_labels(
            &r.safety
                .iter()
                .map(|s| {
                    [
                        s.model.clone(),
                        format!("T={}", bax_store::python_float_repr(s.temperature)),
                        s.spec.to_string(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
        for (id, metric, get) in [
            (
                "chart-safety-sec",
                "sec_pass@1",
                (|c: &crate::metrics::SafetyCell| c.sec_pass_at_1) as fn(&_) -> _,
            ),
            (
                "chart-safety-pass",
                "pass@1",
                |c: &crate::metrics::SafetyCell| c.pass_at_1,
            ),
        ] {
            let series: Vec<Series> = ["none", "generic", "specific"]
                .iter()
                .map(|name| {
                    Series::new(
                        name,
                        safety_color(name),
                        r.safety
                            .iter()
                            .map(|s| {
                                s.cells
                                    .iter()
                                    .find(|c| c.safety.as_str() == *name)
                                    .and_then(get)
                            })
                            .collect(),
                    )
                })
                .filter(|s| s.values.iter().any(Option::is_some))
                .collect();
            b.push_str(&figure(
                &format!("Safety prompts: {metric}"),
                &bar_chart(
                    id,
                    "safety-bars",
                    &format!("{metric} by safety prompt"),
                    &groups,
                    &series,
                ),
            ));
        }
    }
    b.push_str("</div>");

    let ks = &r.ks;
    let mut headers: Vec<String> = [
        "model",
        "T",
        "spec",
        "safety",
        "tasks",
        "samples",
        "pass@1 [95% CI]",
        "sec_pass@1 [95% CI]",
    ]
    .map(String::from)
    .to_vec();
    for &k in ks.iter().filter(|&&k| k != 1) {
        headers.push(format!("pass@{k}"));
        headers.push(format!("sec_pass@{k}"));
    }
    headers.extend(
        [
            "insec",
            "insec (pooled)",
            "CWE %",
            "func. tests passed",
            "exceptions",
            "no code",
            "build failures",
            "prompt tokens",
            "output tokens",
            "truncated",
            "generation s",
            "test s",
        ]
        .map(String::from),
    );
    let rows: Vec<Vec<Cell>> = r
        .configs
        .iter()
        .map(|c| {
            let m = &c.overall;
            let mut row = vec![
                Cell::T(c.config.model.clone()),
                Cell::N(
                    bax_store::python_float_repr(c.config.temperature),
                    Some(c.config.temperature),
                ),
                Cell::T(c.config.spec.to_string()),
                Cell::T(c.config.safety.to_string()),
                int(m.tasks as u32),
                int(m.samples),
                ci_text(overall_at_1(c, false), m.pass_at_1_ci),
                ci_text(overall_at_1(c, true), m.sec_pass_at_1_ci),
            ];
            for &k in ks.iter().filter(|&&k| k != 1) {
                row.push(n(m.pass(k)));
                row.push(n(m.sec_pass(k)));
            }
            let f1 =
                |v: Option<f64>| Cell::N(v.map_or_else(|| "-".into(), |x| format!("{x:.1}")), v);
            row.extend([
                p(m.insec),
                p(m.insec_pooled),
                p(m.cwe_rate),
                p(m.functional_test_pass_rate),
                Cell::N(
                    format!(
                        "{} ft / {} st",
                        m.ft_exception_samples, m.st_exception_samples
                    ),
                    Some(f64::from(m.exception_samples)),
                ),
                int(m.no_code),
                int(m.build_failures),
                f1(m.mean_prompt_tokens),
                f1(m.mean_output_tokens),
                p(m.truncation_rate),
                f1(m.mean_generation_s),
                f1(m.mean_test_s),
            ]);
            row
        })
        .collect();
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    b.push_str(&table(&refs, &rows));

    for (i, c) in r.configs.iter().enumerate() {
        config_section(&mut b, i, c, ks);
    }
    page("bax evaluation", &b, &script_json(r))
}

/// Labels from the parts that vary between items (`model · T=0.2 · openapi ·
/// none` becomes `none` when only the safety prompt varies); the first part
/// when nothing varies.
fn short_labels<const N: usize>(items: &[[String; N]]) -> Vec<String> {
    let varies: Vec<bool> = (0..N)
        .map(|i| items.iter().any(|x| x[i] != items[0][i]))
        .collect();
    let keep: Vec<usize> = if varies.iter().any(|&v| v) {
        (0..N).filter(|&i| varies[i]).collect()
    } else {
        vec![0]
    };
    items
        .iter()
        .map(|x| {
            keep.iter()
                .map(|&i| x[i].as_str())
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .collect()
}

fn config_section(b: &mut String, i: usize, c: &ConfigReport, ks: &[u32]) {
    let _ = write!(
        b,
        "<h2 id=\"config-{i}\">{}</h2><div class=\"charts\">",
        esc(&c.label)
    );
    let fws: Vec<String> = c.by_framework.iter().map(|g| g.key.clone()).collect();
    let pass: Vec<Option<f64>> = c
        .by_framework
        .iter()
        .map(|g| fw_at_1(c, &g.key, false))
        .collect();
    let sec: Vec<Option<f64>> = c
        .by_framework
        .iter()
        .map(|g| fw_at_1(c, &g.key, true))
        .collect();
    b.push_str(&figure(
        "pass@1 and sec_pass@1 per framework",
        &bar_chart(
            &format!("chart-framework-{i}"),
            "framework-bars",
            &format!("{}: pass@1 and sec_pass@1 per framework", c.label),
            &fws,
            &[
                Series::new("pass@1", PASS, pass),
                Series::new("sec_pass@1", SEC, sec),
            ],
        ),
    ));
    let cwe_labels: Vec<String> = c
        .cwes
        .iter()
        .map(|r| {
            if r.name.is_empty() {
                format!("CWE-{}", r.num)
            } else {
                format!("CWE-{} {}", r.num, r.name.to_lowercase().replace('_', " "))
            }
        })
        .collect();
    b.push_str(&figure(
        "CWE frequencies",
        &hbar_chart(
            &format!("chart-cwe-{i}"),
            "cwe-bars",
            &format!("{}: CWE frequencies", c.label),
            &cwe_labels,
            &[
                Series::new(
                    "% of samples",
                    "#e15759",
                    c.cwes.iter().map(|r| Some(r.rate)).collect(),
                ),
                Series::new(
                    "% of correct samples",
                    "#f28e2b",
                    c.cwes.iter().map(|r| r.rate_correct).collect(),
                ),
            ],
        ),
    ));
    b.push_str(&figure(
        "sec_pass@1 per scenario × framework",
        &heatmap(
            &format!("chart-heatmap-sec-{i}"),
            &format!("{}: sec_pass@1 per scenario and framework", c.label),
            "sec_pass@1",
            &c.tasks,
            TaskResult::sec_pass_at_1,
        ),
    ));
    b.push_str(&figure(
        "pass@1 per scenario × framework",
        &heatmap(
            &format!("chart-heatmap-pass-{i}"),
            &format!("{}: pass@1 per scenario and framework", c.label),
            "pass@1",
            &c.tasks,
            TaskResult::pass_at_1,
        ),
    ));
    b.push_str("</div>");

    b.push_str("<h3>Per framework</h3>");
    b.push_str(&group_table(
        &["framework", "language"],
        &c.by_framework,
        ks,
        |g| {
            vec![
                Cell::T(g.key.clone()),
                Cell::T(g.language.clone().unwrap_or_default()),
            ]
        },
    ));
    b.push_str("<h3>Per language</h3>");
    b.push_str(&group_table(&["language"], &c.by_language, ks, |g| {
        vec![Cell::T(g.key.clone())]
    }));
    b.push_str("<h3>Per scenario complexity (endpoints)</h3>");
    b.push_str(&group_table(&["endpoints"], &c.by_complexity, ks, |g| {
        vec![Cell::N(g.key.clone(), g.num_endpoints.map(|n| n as f64))]
    }));
    b.push_str("<h3>Per scenario</h3>");
    b.push_str(&group_table(
        &["scenario", "endpoints"],
        &c.by_scenario,
        ks,
        |g| {
            vec![
                Cell::T(g.key.clone()),
                Cell::N(
                    g.num_endpoints
                        .map_or_else(|| "-".into(), |n| n.to_string()),
                    g.num_endpoints.map(|n| n as f64),
                ),
            ]
        },
    ));
    b.push_str("<h3>CWEs</h3>");
    if c.cwes.is_empty() {
        b.push_str("<p>No CWE found.</p>");
    } else {
        let rows: Vec<Vec<Cell>> = c
            .cwes
            .iter()
            .map(|r| {
                vec![
                    Cell::T(format!("CWE-{}", r.num)),
                    Cell::T(r.name.clone()),
                    int(r.samples),
                    p(Some(r.rate)),
                    int(r.correct_samples),
                    p(r.rate_correct),
                    int(r.tasks as u32),
                ]
            })
            .collect();
        b.push_str(&table(
            &[
                "CWE",
                "name",
                "samples",
                "% of samples",
                "correct samples",
                "% of correct",
                "tasks",
            ],
            &rows,
        ));
    }
    let _ = write!(b, "<details><summary>All {} tasks</summary>", c.tasks.len());
    let rows: Vec<Vec<Cell>> = c
        .tasks
        .iter()
        .map(|t| {
            let cwes: Vec<String> = t.cwes.iter().map(|(c, n)| format!("{c}×{n}")).collect();
            vec![
                Cell::T(t.scenario.clone()),
                Cell::T(t.env.clone()),
                int(t.n),
                int(t.untested),
                int(t.n_correct),
                int(t.n_secure),
                n(t.pass_at_1()),
                n(t.sec_pass_at_1()),
                p(t.insec),
                Cell::T(cwes.join(" ")),
                int(t.test_exception_samples.len() as u32),
            ]
        })
        .collect();
    b.push_str(&table(
        &[
            "scenario",
            "framework",
            "n",
            "untested",
            "correct",
            "secure",
            "pass@1",
            "sec_pass@1",
            "insec",
            "CWEs (samples)",
            "exceptions",
        ],
        &rows,
    ));
    b.push_str("</details>");
}

fn fw_at_1(c: &ConfigReport, env: &str, secure: bool) -> Option<f64> {
    let tasks: Vec<&TaskResult> = c.tasks.iter().filter(|t| t.env == env).collect();
    let f = if secure {
        TaskResult::sec_pass_at_1
    } else {
        TaskResult::pass_at_1
    };
    crate::metrics::task_mean(&tasks, false, f)
}

/// A difference: `+0.125`, or `+12.5pp` for rates shown as percentages.
fn delta_cell(v: Option<f64>, percent: bool) -> Cell {
    match v {
        Some(x) if percent => Cell::N(format!("{:+.1}pp", x * 100.0), Some(x)),
        Some(x) => Cell::N(format!("{x:+.3}"), Some(x)),
        None => Cell::N("-".into(), None),
    }
}

/// The `bax compare --html` report.
pub fn comparison_html(c: &Comparison) -> String {
    let mut b = String::from("<h1>bax comparison</h1><ul>");
    for r in &c.runs {
        let _ = write!(
            b,
            "<li><b>{}</b> = {} (model {}, {} samples, {} tested)</li>",
            esc(&r.label),
            esc(&r.dir),
            esc(&r.model),
            r.samples,
            r.tested
        );
    }
    b.push_str("</ul>");
    let _ = write!(
        b,
        "<p class=\"note\">Metrics as in <code>bax evaluate</code>. Differences are later minus earlier run; their \
         intervals are paired {:.0}% bootstrap intervals over the tasks both runs tested ({} resamples, seed {:#x}). \
         \"Secure only in X\": tasks X solved securely in at least one sample and the other run in none.</p>",
        c.bootstrap.confidence * 100.0,
        c.bootstrap.resamples,
        c.bootstrap.seed
    );
    if !c.warnings.is_empty() {
        b.push_str("<details><summary>warnings</summary><ul class=\"warn\">");
        for w in &c.warnings {
            let _ = write!(b, "<li>{}</li>", esc(w));
        }
        b.push_str("</ul></details>");
    }
    let labels: Vec<String> = c.runs.iter().map(|r| r.label.clone()).collect();
    // Curve points are named by model when the runs are distinct models (checkpoints).
    let models: BTreeSet<&str> = c.runs.iter().map(|r| r.model.as_str()).collect();
    let points: Vec<String> = if models.len() == c.runs.len() {
        c.runs
            .iter()
            .map(|r| format!("{} {}", r.label, r.model))
            .collect()
    } else {
        labels.clone()
    };
    for (i, cfg) in c.configs.iter().enumerate() {
        let _ = write!(
            b,
            "<h2 id=\"config-{i}\">{}</h2><div class=\"charts\">",
            esc(&cfg.label)
        );
        let mut cats = vec!["pass@1".to_string(), "sec_pass@1".to_string()];
        let mut per_run: Vec<Vec<Option<f64>>> = (0..c.runs.len())
            .map(|ri| vec![cfg.pass_at_1[ri], cfg.sec_pass_at_1[ri]])
            .collect();
        for &k in c.ks.iter().filter(|&&k| k != 1) {
            cats.push(format!("pass@{k}"));
            cats.push(format!("sec_pass@{k}"));
            for (ri, m) in cfg.metrics.iter().enumerate() {
                per_run[ri].push(m.as_ref().and_then(|m| m.pass(k)));
                per_run[ri].push(m.as_ref().and_then(|m| m.sec_pass(k)));
            }
        }
        // Leave out metrics no run defines (e.g. pass@5 with fewer samples).
        let defined: Vec<bool> = (0..cats.len())
            .map(|j| per_run.iter().any(|v| v[j].is_some()))
            .collect();
        let cats: Vec<String> = cats
            .into_iter()
            .zip(&defined)
            .filter_map(|(c, &d)| d.then_some(c))
            .collect();
        let per_run: Vec<Vec<Option<f64>>> = per_run
            .into_iter()
            .map(|v| {
                v.into_iter()
                    .zip(&defined)
                    .filter_map(|(x, &d)| d.then_some(x))
                    .collect()
            })
            .collect();
        let series: Vec<Series> = per_run
            .into_iter()
            .enumerate()
            .map(|(ri, v)| Series::new(&labels[ri], PALETTE[ri % PALETTE.len()], v))
            .collect();
        b.push_str(&figure(
            "Runs side by side",
            &bar_chart(
                &format!("chart-compare-{i}"),
                "compare-bars",
                &format!("{}: runs side by side", cfg.label),
                &cats,
                &series,
            ),
        ));
        if c.runs.len() > 2 {
            let mut series = vec![
                Series::new("pass@1", PASS, cfg.pass_at_1.clone()),
                Series::new("sec_pass@1", SEC, cfg.sec_pass_at_1.clone()),
            ];
            series.push(Series::new(
                "insec",
                "#e15759",
                cfg.metrics
                    .iter()
                    .map(|m| m.as_ref().and_then(|m| m.insec))
                    .collect(),
            ));
            b.push_str(&figure(
                "Over the runs, in order",
                &line_chart(
                    &format!("chart-curve-{i}"),
                    &format!("{}: metrics over runs", cfg.label),
                    &points,
                    &series,
                ),
            ));
        }
        b.push_str("</div>");

        let mut headers: Vec<String> = vec!["metric".into()];
        headers.extend(labels.iter().cloned());
        for d in &cfg.deltas {
            headers.push(format!("{} − {}", labels[d.b], labels[d.a]));
        }
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        let mut row =
            |name: &str, vals: Vec<Option<f64>>, deltas: Vec<Option<f64>>, percent: bool| {
                if vals.iter().all(Option::is_none) {
                    return;
                }
                let mut r = vec![Cell::T(name.into())];
                r.extend(vals.into_iter().map(|v| if percent { p(v) } else { n(v) }));
                r.extend(deltas.into_iter().map(|d| delta_cell(d, percent)));
                rows.push(r);
            };
        let sub = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
        row(
            "pass@1",
            cfg.pass_at_1.clone(),
            cfg.deltas
                .iter()
                .map(|d| sub(cfg.pass_at_1[d.a], cfg.pass_at_1[d.b]))
                .collect(),
            false,
        );
        row(
            "sec_pass@1",
            cfg.sec_pass_at_1.clone(),
            cfg.deltas
                .iter()
                .map(|d| sub(cfg.sec_pass_at_1[d.a], cfg.sec_pass_at_1[d.b]))
                .collect(),
            false,
        );
        for &k in c.ks.iter().filter(|&&k| k != 1) {
            row(
                &format!("pass@{k}"),
                cfg.metrics
                    .iter()
                    .map(|m| m.as_ref().and_then(|m| m.pass(k)))
                    .collect(),
                cfg.deltas
                    .iter()
                    .map(|d| d.pass_at_k.get(&k).copied())
                    .collect(),
                false,
            );
            row(
                &format!("sec_pass@{k}"),
                cfg.metrics
                    .iter()
                    .map(|m| m.as_ref().and_then(|m| m.sec_pass(k)))
                    .collect(),
                cfg.deltas
                    .iter()
                    .map(|d| d.sec_pass_at_k.get(&k).copied())
                    .collect(),
                false,
            );
        }
        type Get = fn(&Metrics) -> Option<f64>;
        type GetD = fn(&crate::compare::Delta) -> Option<f64>;
        let more: [(&str, Get, GetD); 4] = [
            ("insec", |m| m.insec, |d| d.insec),
            ("correct", |m| m.correct_rate, |d| d.correct_rate),
            ("CWE %", |m| m.cwe_rate, |d| d.cwe_rate),
            ("truncated", |m| m.truncation_rate, |d| d.truncation_rate),
        ];
        for (name, get, getd) in more {
            row(
                name,
                cfg.metrics
                    .iter()
                    .map(|m| m.as_ref().and_then(get))
                    .collect(),
                cfg.deltas.iter().map(getd).collect(),
                true,
            );
        }
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        b.push_str(&table(&refs, &rows));

        for d in &cfg.deltas {
            let (la, lb) = (&labels[d.a], &labels[d.b]);
            let ci = |x: Option<[f64; 2]>| {
                x.map_or_else(String::new, |[lo, hi]| {
                    format!(" [95% CI {lo:+.3}, {hi:+.3}]")
                })
            };
            let _ = write!(
                b,
                "<h3>{} vs {} ({} common tasks)</h3><p>pass@1 {}{} · sec_pass@1 {}{}</p>",
                esc(lb),
                esc(la),
                d.common_tasks,
                sub(cfg.pass_at_1[d.a], cfg.pass_at_1[d.b])
                    .map_or_else(|| "-".into(), |x| format!("{x:+.3}")),
                ci(d.pass_at_1_delta_ci),
                sub(cfg.sec_pass_at_1[d.a], cfg.sec_pass_at_1[d.b])
                    .map_or_else(|| "-".into(), |x| format!("{x:+.3}")),
                ci(d.sec_pass_at_1_delta_ci)
            );
            for (who, other, list, class) in [(lb, la, &d.b_won, "pos"), (la, lb, &d.a_won, "neg")]
            {
                let _ = write!(
                    b,
                    "<details><summary class=\"{class}\">Secure only in {} (not in {}): {}</summary><p>{}</p></details>",
                    esc(who),
                    esc(other),
                    list.len(),
                    esc(&list.join(", "))
                );
            }
        }
    }
    page("bax comparison", &b, &script_json(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(script_json(&"</script>"), "\"\\u003c/script\\u003e\"");
    }

    #[test]
    fn heat_colors_run_red_yellow_green() {
        assert_eq!(heat_color(0.0), "#d73027");
        assert_eq!(heat_color(0.5), "#fee08b");
        assert_eq!(heat_color(1.0), "#1a9850");
        assert_eq!(heat_color(-3.0), heat_color(0.0));
    }

    #[test]
    fn charts_count_their_marks() {
        let cats = vec!["a".to_string(), "b<".to_string()];
        let svg = bar_chart(
            "c1",
            "bars",
            "t",
            &cats,
            &[
                Series::new("s1", PASS, vec![Some(0.5), None]),
                Series::new("s2", SEC, vec![Some(0.0), Some(1.0)]),
            ],
        );
        assert!(svg.contains("data-marks=\"3\""), "{svg}");
        assert_eq!(svg.matches("class=\"mark\"").count(), 3);
        assert!(svg.contains("b&lt;"));
        // A zero still draws a hairline.
        assert!(svg.contains("height=\"1.0\""));
        let svg = line_chart(
            "c2",
            "t",
            &cats,
            &[Series::new("s", PASS, vec![Some(0.2), Some(0.4)])],
        );
        assert!(svg.contains("data-chart=\"curve\" data-marks=\"2\""));
        let svg = hbar_chart("c3", "cwe-bars", "t", &[], &[]);
        assert!(svg.contains("data-marks=\"0\"") && svg.contains("no CWE found"));
    }
}

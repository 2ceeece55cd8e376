/// The page's inline stylesheet: system fonts only, quiet colours, print rules.
extension ReportHTML {
    /// CSS for the page and its inline SVG charts (no `url()` but the charts' own hatch pattern).
    static let stylesheet = """
        :root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --accent: #2c5f9e; --accent-soft: #dbe6f4;
          --warn: #8a5a00; --warn-bg: #fff6df; --warn-line: #f0b429; --info-bg: #eef3fb; --alert: #b42318; }
        * { box-sizing: border-box; }
        html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        body { margin: 0; background: #f5f7fa; color: var(--ink);
          font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1180px; margin: 0 auto; padding: 32px 32px 48px; background: #fff; min-height: 100vh; }
        header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 20px; }
        .eyebrow { margin: 0; color: var(--accent); font-size: 12px; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; }
        h1 { margin: 4px 0 2px; font-size: 28px; font-weight: 650; }
        .subtitle { margin: 0; color: var(--muted); }
        h2 { font-size: 17px; margin: 28px 0 10px; font-weight: 620; }
        .banner { margin: 0 0 12px; padding: 10px 14px; border-left: 4px solid; border-radius: 4px; }
        .banner.warning { background: var(--warn-bg); border-color: var(--warn-line); color: var(--warn); }
        .banner.provisional { background: var(--info-bg); border-color: var(--accent); }
        .figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 20px 0 8px; }
        .figure { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
        .figure dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
        .figure dd { margin: 4px 0 0; font-size: 15px; font-weight: 600; overflow-wrap: anywhere; }
        .figure.total dd { font-size: 22px; color: var(--accent); font-variant-numeric: tabular-nums; }
        .figure.alert dd { color: var(--alert); }
        figure { margin: 0; }
        svg.chart { display: block; width: 100%; height: auto; font-size: 13px; }
        svg .bar { fill: var(--accent); }
        svg .bar.provisional { fill: url(#hatch); stroke: var(--accent); stroke-width: 1; }
        svg .hatch-ground { fill: var(--accent-soft); }
        svg .hatch-line { stroke: var(--accent); stroke-width: 2.5; }
        svg .grid { stroke: var(--line); }
        svg .axis { stroke: #9aa5b1; }
        svg .label, svg .legend { fill: var(--ink); }
        svg .value { fill: var(--ink); font-variant-numeric: tabular-nums; }
        svg .tick { fill: var(--muted); font-size: 11px; font-variant-numeric: tabular-nums; }
        .scroll { overflow-x: auto; }
        table { width: 100%; border-collapse: collapse; font-size: 13px; }
        th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        thead th { background: #f0f3f7; font-weight: 600; font-size: 12px; color: #3e4c59; border-bottom: 2px solid #cbd2d9; }
        tbody tr:nth-child(even) { background: #fafbfc; }
        tbody tr.provisional { background: var(--info-bg); font-style: italic; }
        tfoot td { font-weight: 650; border-top: 2px solid #cbd2d9; border-bottom: none; }
        .number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .identifier { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
        .tag { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11px; font-weight: 600; font-style: normal; }
        .tag.unpriced { background: #fde8e6; color: var(--alert); }
        .tag.provisional { background: var(--accent-soft); color: var(--accent); }
        .muted { color: var(--muted); }
        .days { white-space: nowrap; }
        .empty { margin: 32px 0; padding: 28px; border: 1px dashed #cbd2d9; border-radius: 6px; text-align: center; color: var(--muted); }
        .empty h2 { margin-top: 0; color: var(--ink); }
        footer { margin-top: 32px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
        @media print {
          @page { size: A4 landscape; margin: 12mm; }
          body { background: #fff; }
          main { max-width: none; padding: 0; min-height: 0; }
          figure, .figures, .banner, tr { break-inside: avoid; }
          h2 { break-after: avoid; }
          thead { display: table-header-group; }
          .scroll { overflow: visible; }
        }

        """
}

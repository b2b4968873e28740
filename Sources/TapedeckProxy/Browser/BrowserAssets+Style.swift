/// The cassette browser's style sheet.
extension BrowserAssets {
    static let styleText = #"""
        :root {
          --ink: #1d2430; --muted: #5f6b7a; --faint: #8a94a3; --line: #e2e6ec; --paper: #f6f7f9; --card: #ffffff;
          --accent: #c2410c; --accent-soft: #fff1e8; --user: #eef4ff; --user-line: #c9dafc; --answer: #f2fbf5;
          --answer-line: #b7e4c7; --tool: #faf7ff; --tool-line: #ddd0f7; --bad: #b42318; --bad-soft: #fdecea;
          --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
        }
        * { box-sizing: border-box; }
        html, body { margin: 0; }
        body {
          font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
          color: var(--ink); background: var(--paper);
        }
        a { color: inherit; }
        code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
        .muted { color: var(--muted); }
        .bar {
          position: sticky; top: 0; z-index: 2; display: flex; align-items: center; justify-content: space-between;
          gap: 16px; padding: 10px 24px; background: #1d2430; color: #fff;
        }
        .brand { display: flex; align-items: center; gap: 6px; text-decoration: none; }
        .brand .name { font-weight: 700; font-size: 17px; margin-left: 6px; letter-spacing: .2px; }
        .brand .sub { color: #aab4c3; font-size: 13px; margin-left: 4px; }
        .reel {
          width: 16px; height: 16px; border-radius: 50%; border: 3px solid #f97316; background: #1d2430;
          box-shadow: inset 0 0 0 3px #1d2430, inset 0 0 0 6px #fdba74;
        }
        .counters { display: flex; gap: 8px; flex-wrap: wrap; }
        .counter { background: #2b3544; border-radius: 8px; padding: 4px 10px; min-width: 84px; }
        .counter .label { display: block; font-size: 10.5px; text-transform: uppercase; letter-spacing: .6px; color: #aab4c3; }
        .counter .value { font-weight: 650; font-variant-numeric: tabular-nums; }
        .counter.live .label::after { content: " ●"; color: #4ade80; }
        main { max-width: 1180px; margin: 0 auto; padding: 16px 24px 48px; }
        .notice { max-width: 1180px; margin: 16px auto; padding: 12px 16px; background: var(--accent-soft); border-radius: 8px; }
        .toolbar { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin-bottom: 12px; }
        .toolbar input[type=search] { flex: 1 1 320px; }
        input, select, button {
          font: inherit; color: inherit; border: 1px solid #cfd6df; border-radius: 8px; padding: 7px 10px; background: #fff;
        }
        select { max-width: 320px; }
        button { cursor: pointer; background: var(--ink); color: #fff; border-color: var(--ink); }
        button.secondary { background: #fff; color: var(--ink); border-color: #cfd6df; }
        button:disabled { opacity: .45; cursor: default; }
        .summary { color: var(--muted); margin: 4px 2px 10px; }
        .summary strong { color: var(--ink); font-weight: 600; }
        table.cassettes { width: 100%; border-collapse: separate; border-spacing: 0; background: var(--card);
          border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
        .cassettes th { text-align: left; font-size: 11px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted);
          background: #fafbfc; padding: 9px 12px; border-bottom: 1px solid var(--line); white-space: nowrap; }
        .cassettes td { padding: 10px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
        .cassettes tr:last-child td { border-bottom: 0; }
        .cassettes tbody tr { cursor: pointer; }
        .cassettes tbody tr:hover td { background: #fbfaf8; }
        .cassettes .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .cassettes .when { white-space: nowrap; color: var(--muted); }
        .cassettes td.model { white-space: nowrap; }
        .cassettes .words a { text-decoration: none; font-weight: 550; }
        .cassettes .words a:hover { text-decoration: underline; }
        .model { font-family: var(--mono); font-size: 12px; color: #334155; word-break: break-all; }
        .tag { display: inline-block; font-size: 11px; padding: 0 7px; border-radius: 999px; margin-left: 6px;
          background: #eef1f5; color: var(--muted); vertical-align: 1px; white-space: nowrap; }
        .tag.stream { background: #e8f3ff; color: #1d4ed8; }
        .tag.ns { background: var(--accent-soft); color: var(--accent); }
        .tag.bad { background: var(--bad-soft); color: var(--bad); }
        .pager { display: flex; gap: 8px; align-items: center; justify-content: flex-end; margin-top: 12px; color: var(--muted); }
        .empty { padding: 40px; text-align: center; color: var(--muted); background: var(--card); border: 1px dashed #cfd6df; border-radius: 10px; }
        .error { padding: 12px 16px; border-radius: 8px; background: var(--bad-soft); color: var(--bad); }
        .back { display: inline-block; margin-bottom: 8px; text-decoration: none; color: var(--muted); }
        .back:hover { color: var(--ink); }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin-bottom: 16px; }
        .card h1 { font-size: 18px; margin: 0; line-height: 1.35; }
        .card .key { color: var(--faint); margin: 2px 0 12px; overflow-wrap: anywhere; }
        .card h1 .tag { font-size: 11.5px; font-weight: 500; vertical-align: 3px; }
        dl.meta { display: grid; grid-template-columns: repeat(4, max-content minmax(0, 1fr)); gap: 4px 14px; margin: 0; }
        dl.meta dt { color: var(--muted); }
        dl.meta dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
        .chat { display: flex; flex-direction: column; gap: 8px; }
        .attachments { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-end; }
        .turn { display: flex; flex-direction: column; max-width: 86%; }
        .turn.user { align-self: flex-end; }
        .turn.assistant, .turn.answer { align-self: flex-start; }
        .turn.system { align-self: stretch; max-width: none; }
        .role { font-size: 11px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); margin: 0 4px 2px; }
        .turn.user .role { text-align: right; }
        .bubble { border-radius: 12px; padding: 9px 14px; border: 1px solid var(--line); background: var(--card);
          display: flex; flex-direction: column; gap: 8px; min-width: 0; }
        .turn.user .bubble { background: var(--user); border-color: var(--user-line); border-top-right-radius: 4px; }
        .turn.assistant .bubble { border-top-left-radius: 4px; }
        .turn.system .bubble { background: #f3f4f6; border-style: dashed; }
        .turn.answer .bubble { background: var(--answer); border-color: var(--answer-line); border-top-left-radius: 4px; }
        .turn.answer .role { color: #15803d; font-weight: 600; }
        .text { white-space: pre-wrap; overflow-wrap: anywhere; }
        .tool { border: 1px solid var(--tool-line); background: var(--tool); border-radius: 8px; padding: 8px 10px; }
        .tool .head { font-size: 12.5px; color: #5b21b6; font-weight: 600; }
        .tool .head .id { color: var(--faint); font-weight: 400; font-family: var(--mono); font-size: 11.5px; margin-left: 6px; }
        .tool.result { background: #fbfcfd; border-color: var(--line); }
        .tool.result .head { color: #0f766e; }
        .tool.failed { border-color: #f5c2bd; background: var(--bad-soft); }
        .tool.failed .head { color: var(--bad); }
        pre.json { margin: 6px 0 0; padding: 6px 10px; background: #fff; border: 1px solid var(--line); border-radius: 6px;
          overflow: auto; max-height: 320px; white-space: pre-wrap; overflow-wrap: anywhere; }
        .chip { display: inline-flex; align-items: center; gap: 6px; align-self: flex-start; padding: 3px 10px; border-radius: 999px;
          background: #eef1f5; color: #334155; font-size: 12.5px; }
        .chip .kind { font-weight: 600; text-transform: uppercase; font-size: 10.5px; letter-spacing: .5px; color: var(--muted); }
        figure.thumb { margin: 0; align-self: flex-start; }
        figure.thumb img { display: block; max-width: 220px; max-height: 160px; border-radius: 8px; border: 1px solid var(--line);
          background: repeating-conic-gradient(#eee 0% 25%, #fff 0% 50%) 50% / 16px 16px; cursor: zoom-in; }
        figure.thumb.zoom img { max-width: 100%; max-height: none; cursor: zoom-out; }
        figure.thumb figcaption { font-size: 11.5px; color: var(--muted); margin-top: 3px; }
        details.reasoning { color: var(--muted); }
        details.reasoning summary { cursor: pointer; font-size: 12.5px; }
        .footer { display: flex; gap: 16px; flex-wrap: wrap; color: var(--muted); font-size: 12.5px; margin: 2px 4px 0; }
        form.token { max-width: 520px; margin: 40px auto; }
        form.token p { color: var(--muted); }
        form.token .row { display: flex; gap: 8px; }
        form.token input { flex: 1; font-family: var(--mono); }
        @media (max-width: 760px) {
          dl.meta { grid-template-columns: repeat(2, max-content minmax(0, 1fr)); }
          .turn { max-width: 100%; }
          .cassettes .hide-narrow { display: none; }
        }

        """#
}

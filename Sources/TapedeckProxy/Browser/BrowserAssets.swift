/// The cassette browser's static files, built into the binary: no build step, no CDN, nothing fetched from
/// elsewhere. The page holds no data; its script reads the JSON API and builds every element with
/// `createElement` and `textContent`, never by parsing markup, so recorded text always stays text.
enum BrowserAssets {
    /// `GET /_tapedeck/`.
    static let page = Array(pageText.utf8)
    /// `GET /_tapedeck/browser.js`.
    static let script = Array(scriptText.utf8)
    /// `GET /_tapedeck/browser.css`.
    static let style = Array(styleText.utf8)

    static let pageText = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>Tapedeck · cassettes</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/_tapedeck/browser.css">
        <script src="/_tapedeck/browser.js" defer></script>
        </head>
        <body>
        <header class="bar">
          <a class="brand" href="#/"><span class="reel" aria-hidden="true"></span><span class="reel" aria-hidden="true"></span>
            <span class="name">Tapedeck</span><span class="sub">cassettes</span></a>
          <div id="counters" class="counters" aria-live="polite"></div>
        </header>
        <main id="main"><p class="muted">Loading…</p></main>
        <noscript><p class="notice">The cassette browser needs JavaScript. <code>tapedeck ls</code> and <code>tapedeck show</code> list the same cassettes in a terminal.</p></noscript>
        </body>
        </html>

        """#
}
